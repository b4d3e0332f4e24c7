"""Telephone channels: exact ITU-T G.711 µ-law/A-law, band limits, packet loss with concealment,
jitter.

G.711 is implemented from the standard's segment tables on 16-bit linear PCM: µ-law adds the bias
132 (33 in 14-bit units), finds the segment (position of the leading one), keeps 4 mantissa bits and
inverts all bits; A-law works on 13 bits, keeps 4 mantissa bits and inverts the even bits (XOR
0x55). Decoding returns the segment midpoints (µ-law code 0x80 → 32124, A-law 0xD5 → 8).

Packet loss is drawn per packet (default 20 ms): :class:`BernoulliLoss` (independent, rate ``p``)
or :class:`GilbertElliott` (two-state Markov chain; stationary loss
``π_bad·(1-k_bad) + π_good·(1-k_good)`` with ``π_bad = p/(p+r)``). Lost packets are concealed by
repeating the previous packet with a fade (``"repeat"``), a fade to silence (``"fade"``) or
zeros (``"zero"``). Jitter: each packet's network delay is drawn from a normal distribution; packets
later than the jitter buffer are lost too.

Example:
    >>> import numpy as np
    >>> int(ulaw_encode(np.array([0]))[0]), int(alaw_encode(np.array([0]))[0])
    (255, 213)
    >>> int(ulaw_decode(np.array([0x80]))[0]), int(alaw_decode(np.array([0xAA]))[0])
    (32124, 32256)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sdialog._extras import needs_extra

_ULAW_BIAS = 0x84
_ULAW_CLIP = 32635


def _segment(values: np.ndarray, first_end: int) -> np.ndarray:
    """Segment number 0..8: the smallest ``s`` with ``values <= first_end·2^s + (2^s - 1)``."""
    ends = np.array([((first_end + 1) << s) - 1 for s in range(8)])
    return np.searchsorted(ends, values, side="left")


def ulaw_encode(pcm16: np.ndarray) -> np.ndarray:
    """16-bit linear PCM (ints) → µ-law code words (uint8), ITU-T G.711."""
    x = np.asarray(pcm16, dtype=np.int64)
    mask = np.where(x < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(x), _ULAW_CLIP) + _ULAW_BIAS
    seg = _segment(magnitude, 0xFF)
    mantissa = (magnitude >> (seg + 3)) & 0x0F
    code = np.where(seg >= 8, 0x7F, (seg << 4) | mantissa)
    return (code ^ mask).astype(np.uint8)


def ulaw_decode(codes: np.ndarray) -> np.ndarray:
    """µ-law code words → 16-bit linear PCM (int16)."""
    u = ~np.asarray(codes, dtype=np.int64) & 0xFF
    t = (((u & 0x0F) << 3) + _ULAW_BIAS) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, _ULAW_BIAS - t, t - _ULAW_BIAS).astype(np.int16)


def alaw_encode(pcm16: np.ndarray) -> np.ndarray:
    """16-bit linear PCM (ints) → A-law code words (uint8), ITU-T G.711."""
    x = np.asarray(pcm16, dtype=np.int64) >> 3
    mask = np.where(x >= 0, 0xD5, 0x55)
    magnitude = np.where(x >= 0, x, -x - 1)
    seg = _segment(magnitude, 0x1F)
    shift = np.where(seg < 2, 1, seg)
    mantissa = (magnitude >> shift) & 0x0F
    code = np.where(seg >= 8, 0x7F, (np.minimum(seg, 7) << 4) | mantissa)
    return (code ^ mask).astype(np.uint8)


def alaw_decode(codes: np.ndarray) -> np.ndarray:
    """A-law code words → 16-bit linear PCM (int16)."""
    a = np.asarray(codes, dtype=np.int64) ^ 0x55
    seg = (a & 0x70) >> 4
    t = (a & 0x0F) << 4
    t = np.where(seg == 0, t + 8, t + 0x108)
    t = np.where(seg > 1, t << np.maximum(seg - 1, 0), t)
    return np.where(a & 0x80, t, -t).astype(np.int16)


def _to_pcm16(audio: np.ndarray) -> np.ndarray:
    return np.round(np.clip(audio, -1.0, 32767 / 32768) * 32768).astype(np.int64)


def companding(audio: np.ndarray, law: str) -> np.ndarray:
    """Encode then decode float audio with G.711 ``law`` (``"ulaw"``/``"alaw"``)."""
    pcm = _to_pcm16(np.asarray(audio, dtype=np.float64))
    if law == "ulaw":
        out = ulaw_decode(ulaw_encode(pcm))
    elif law == "alaw":
        out = alaw_decode(alaw_encode(pcm))
    else:
        raise ValueError(f"codec must be 'ulaw', 'alaw' or None, got {law!r}")
    return (out.astype(np.float32) / 32768).astype(np.float32)


@dataclass(frozen=True)
class BernoulliLoss:
    """Each packet lost independently with probability ``p``.

    Example:
        >>> float(BernoulliLoss(0.1).draw(20000, seed=0).mean()).__round__(2)
        0.1
    """

    p: float

    def draw(self, n_packets: int, seed: int = 0) -> np.ndarray:
        """A boolean array of ``n_packets``: True where the packet is lost (seeded)."""
        if not 0 <= self.p <= 1:
            raise ValueError(f"loss p must be in [0, 1], got {self.p}")
        return np.random.default_rng(seed).random(n_packets) < self.p


@dataclass(frozen=True)
class GilbertElliott:
    """Bursty loss: good→bad with probability ``p``, bad→good with ``r``; a packet is lost with
    ``1 - k_good`` in the good state and ``1 - k_bad`` in the bad state.

    Example:
        >>> round(GilbertElliott(0.05, 0.5).stationary_loss(), 4)
        0.0909
    """

    p: float
    r: float
    k_good: float = 1.0
    k_bad: float = 0.0

    def stationary_loss(self) -> float:
        """Expected long-run loss rate."""
        bad = self.p / (self.p + self.r)
        return bad * (1 - self.k_bad) + (1 - bad) * (1 - self.k_good)

    def draw(self, n_packets: int, seed: int = 0) -> np.ndarray:
        """A boolean array of ``n_packets``: True where the packet is lost (seeded)."""
        for name in ("p", "r", "k_good", "k_bad"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"Gilbert-Elliott {name} must be in [0, 1]")
        if self.p + self.r == 0:
            raise ValueError("Gilbert-Elliott needs p + r > 0")
        rng = np.random.default_rng(seed)
        switch, keep = rng.random(n_packets), rng.random(n_packets)
        lost = np.zeros(n_packets, dtype=bool)
        bad = rng.random() < self.p / (self.p + self.r)
        for i in range(n_packets):
            lost[i] = keep[i] >= (self.k_bad if bad else self.k_good)
            bad = switch[i] >= self.r if bad else switch[i] < self.p
        return lost


def conceal(audio: np.ndarray, lost: np.ndarray, packet: int, method: str = "repeat") -> np.ndarray:
    """Replace lost packets: ``repeat`` the last received packet (fading over consecutive losses),
    ``fade`` the previous packet's tail to silence, or ``zero``."""
    if method not in ("repeat", "fade", "zero"):
        raise ValueError(f"concealment must be repeat, fade or zero, got {method!r}")
    out = np.array(audio, dtype=np.float32)
    last = np.zeros(packet, dtype=np.float32)
    run = 0
    for i, is_lost in enumerate(lost):
        piece = slice(i * packet, min((i + 1) * packet, len(out)))
        size = piece.stop - piece.start
        if size <= 0:
            break
        if not is_lost:
            last = out[piece].copy()
            if size < packet:
                last = np.pad(last, (0, packet - size))
            run = 0
            continue
        run += 1
        if method == "zero":
            out[piece] = 0
        elif method == "repeat":
            out[piece] = last[:size] * 0.5 ** (run - 1)
        else:
            out[piece] = last[:size] * np.linspace(1, 0, size) * (run == 1)
    return out


@dataclass(frozen=True)
class TelephoneChannel:
    """A telephone line: band-limit, resample, G.711, packet loss, jitter, concealment.

    Args:
        codec: ``"ulaw"``, ``"alaw"`` or ``None`` (linear).
        band: ``"narrow"`` (8 kHz, 300–3400 Hz) or ``"wide"`` (16 kHz, 50–7000 Hz).
        loss: a :class:`BernoulliLoss`, :class:`GilbertElliott` or ``None``.
        packet_ms: packet duration.
        jitter_ms: standard deviation of packet delay; packets later than ``buffer_ms`` are lost.
        concealment: ``repeat``, ``fade`` or ``zero``.

    Example:
        >>> x = 0.3 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)
        >>> y, rate = TelephoneChannel(loss=BernoulliLoss(0.05)).apply(x, 16000, seed=1)
        >>> rate, len(y)
        (8000, 8000)
    """

    codec: str | None = "ulaw"
    band: str = "narrow"
    loss: BernoulliLoss | GilbertElliott | None = None
    packet_ms: float = 20.0
    jitter_ms: float = 0.0
    buffer_ms: float = 60.0
    concealment: str = "repeat"

    @property
    def rate(self) -> int:
        """Output sampling rate."""
        if self.band not in ("narrow", "wide"):
            raise ValueError(f"telephone band must be 'narrow' or 'wide', got {self.band!r}")
        return 8000 if self.band == "narrow" else 16000

    def apply(self, audio: np.ndarray, rate: int, seed: int = 0) -> tuple[np.ndarray, int]:
        """Return ``(audio at self.rate, self.rate)`` plus the channel's impairments."""
        with needs_extra("audio"):
            from scipy.signal import butter, sosfilt

        from sdialog.audio.mix import resample

        out_rate = self.rate
        x = resample(np.asarray(audio, dtype=np.float32), rate, out_rate).astype(np.float64)
        low, high = (300.0, 3400.0) if self.band == "narrow" else (50.0, 7000.0)
        x = sosfilt(butter(4, [low, high], "bandpass", fs=out_rate, output="sos"), x)
        y = companding(x, self.codec) if self.codec else np.clip(x, -1, 1).astype(np.float32)
        packet = round(self.packet_ms * out_rate / 1000)
        if packet <= 0:
            raise ValueError(f"packet_ms must be > 0, got {self.packet_ms}")
        n_packets = int(np.ceil(len(y) / packet))
        lost = np.zeros(n_packets, dtype=bool)
        if self.loss is not None:
            lost |= self.loss.draw(n_packets, seed=seed)
        if self.jitter_ms > 0:
            delays = np.abs(np.random.default_rng(seed + 1).normal(0, self.jitter_ms, n_packets))
            lost |= delays > self.buffer_ms
        if lost.any():
            y = conceal(y, lost, packet, self.concealment)
        return y.astype(np.float32), out_rate

    def loss_rate(self, n_packets: int = 100000, seed: int = 0) -> float:
        """Empirical packet-loss rate of this channel's loss model (jitter excluded)."""
        return float(self.loss.draw(n_packets, seed).mean()) if self.loss else 0.0


CHANNELS: dict[str, TelephoneChannel] = {
    "telephone": TelephoneChannel("ulaw", "narrow"),
    "telephone-alaw": TelephoneChannel("alaw", "narrow"),
    "telephone-wide": TelephoneChannel(None, "wide"),
    "voip-lossy": TelephoneChannel(
        "ulaw", "narrow", GilbertElliott(0.02, 0.3), jitter_ms=25.0, concealment="repeat"
    ),
    "mobile-lossy": TelephoneChannel("alaw", "narrow", BernoulliLoss(0.03), concealment="fade"),
}


def get_channel(channel: str | TelephoneChannel) -> TelephoneChannel:
    """A preset by name or the channel itself.

    Raises:
        ValueError: unknown preset (field ``channel``).
    """
    if isinstance(channel, TelephoneChannel):
        return channel
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; known: {', '.join(sorted(CHANNELS))}")
    return CHANNELS[channel]
