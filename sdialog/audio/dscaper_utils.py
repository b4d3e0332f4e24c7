"""SDialog's dSCAPER glue names. dSCAPER (soundscape timelines with background and foreground
events from Hugging Face sound datasets) is not on PyPI and fetches its sounds from the hub, so
these functions raise :class:`DscaperUnavailableError` with what to use instead.

Our pipeline covers the same ground offline: pauses and overlaps on the timeline
(``AudioPipeline(timing=...)``), background noise at a controlled SNR (``noise="babble"``,
``"pink"``, ... or your own noise file, ``snr_db=``), rooms and devices.

Example:
    >>> try:
    ...     send_utterances_to_dscaper(None, None, "d")
    ... except DscaperUnavailableError as err:
    ...     "noise=" in str(err)
    True
"""

from __future__ import annotations

from typing import Any

ADVICE = (
    "dSCAPER is not available in sdialog (it is not on PyPI and downloads its sound datasets "
    "from the Hugging Face hub). Use AudioPipeline(noise='babble'|'pink'|'white'|'brown'|"
    "<your noise file>, snr_db=...) for background sound at a controlled SNR and "
    "timing='rules'|'random'|'llm' for pauses and overlaps."
)


class DscaperUnavailableError(RuntimeError):
    """dSCAPER features are not available here (see :data:`ADVICE`)."""


def _unavailable(name: str) -> Any:
    def function(*args: Any, **kwargs: Any) -> Any:
        raise DscaperUnavailableError(f"{name}: {ADVICE}")

    function.__name__ = name
    function.__doc__ = f"SDialog's dSCAPER step; raises :class:`DscaperUnavailableError`. {ADVICE}"
    return function


send_utterances_to_dscaper = _unavailable("send_utterances_to_dscaper")
generate_dscaper_timeline = _unavailable("generate_dscaper_timeline")
get_sound_effects_db = _unavailable("get_sound_effects_db")
snr_callback_mix = _unavailable("snr_callback_mix")
