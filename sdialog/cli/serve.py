"""``sdialog serve``: the agents of a scenario or agent file behind an OpenAI- and
Ollama-compatible HTTP endpoint.

Example:
    $ sdialog serve examples/customer_support.yaml --port 1333
    $ sdialog serve bot.json --host 0.0.0.0 --api-key "$KEY" --stateful
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

import typer

from sdialog.cli._app import app


@app.command()
def serve(
    file: Annotated[Path, typer.Argument(help="Scenario (YAML/JSON) or agent (JSON) file.")],
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 1333,
    host: Annotated[
        str, typer.Option(help="Address to bind (loopback by default; 0.0.0.0 exposes it).")
    ] = "127.0.0.1",
    api_key: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="Bearer token required on every endpoint (default: $SDIALOG_SERVER_API_KEY).",
            envvar="SDIALOG_SERVER_API_KEY",
            show_envvar=True,
        ),
    ] = None,
    stateful: Annotated[
        bool, typer.Option(help="Keep memory per conversation (X-Conversation-Id header).")
    ] = False,
    agent: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--agent", help="Serve only this agent of the file (repeatable)."),
    ] = None,
    model: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Model string overriding the file's."),
    ] = None,
    max_conversations: Annotated[
        int, typer.Option(help="Stateful conversations kept (LRU).")
    ] = 1000,
    allowed_host: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--allowed-host",
            help="Host header value to accept (repeatable; '*' for any). Default: loopback "
            "names when bound to loopback, any host otherwise.",
        ),
    ] = None,
) -> None:
    """Serve agents over HTTP: /v1/chat/completions, /api/chat, /health ..."""
    from sdialog.server import Server, agents_from_file

    try:
        agents = agents_from_file(file, model=model)
    except (ValueError, FileNotFoundError) as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    if agent:
        missing = set(agent) - {a.name for a in agents}
        if missing:
            names = ", ".join(a.name for a in agents)
            typer.secho(
                f"error: no agent {sorted(missing)} in {file} ({names})", fg="red", err=True
            )
            raise typer.Exit(2)
        agents = [a for a in agents if a.name in agent]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        server = Server(
            agents,
            host=host,
            port=port,
            api_key=api_key or "",
            stateful=stateful,
            max_conversations=max_conversations,
            allowed_hosts=allowed_host or None,
        )
    except ValueError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    server.run()  # logs "serving <models> on <url>"; Ctrl-C stops
