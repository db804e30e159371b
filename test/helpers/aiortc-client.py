#!/usr/bin/python3
"""rtcroom clients on aiortc (Debian python3-aiortc 1.4: DTLS-SRTP AES_CM_128_HMAC_SHA1_80 only).

Speaks the rtcroom signaling (JSON over WebSocket, see packages/protocol/src/messages.ts) on
127.0.0.1 only. Run with /usr/bin/python3 and one JSON argument:

  {"wsUrl": ..., "appId": ..., "roomId": ...,
   "publisher": {"userId": ..., "token": ...} | null,   # publishes real VP8 (aiortc's encoder)
   "subscribers": [{"userId": ..., "token": ...}, ...],  # joined one after another
   "timeoutS": 5}

Prints one JSON object per line: {"published": true} once the publisher is up, then per
subscriber join {"userId", "connectedToFirstFrameMs" (null: no frame decoded in timeoutS),
"width", "height", "frames"}; with a publisher and no subscribers it runs until stdin closes.
"""
import asyncio
import json
import sys
import time

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription, VideoStreamTrack
from av import VideoFrame

# loopback only: aioice leaves 127.0.0.1 out of its host candidates, the server only offers it
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


def log(obj):
    print(json.dumps(obj), flush=True)


class Signal:
    """One signaling connection: requests with replies, events to a queue."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 1
        self.pending = {}
        self.events = asyncio.Queue()
        self.reader = asyncio.ensure_future(self._read())
        self.pinger = asyncio.ensure_future(self._ping())

    @staticmethod
    async def connect(url):
        import websockets

        return Signal(await websockets.connect(url, max_size=None))

    async def _read(self):
        async for text in self.ws:
            frame = json.loads(text)
            if frame.get("event"):
                self.events.put_nowait(frame)
            elif frame.get("id") in self.pending:
                self.pending.pop(frame["id"]).set_result(frame)

    async def _ping(self):
        while True:
            await asyncio.sleep(3)
            await self.request("ping", {})

    async def request(self, method, params):
        fid = self.next_id
        self.next_id += 1
        fut = asyncio.get_event_loop().create_future()
        self.pending[fid] = fut
        await self.ws.send(json.dumps({"id": fid, "method": method, "params": params}))
        frame = await fut
        if "error" in frame:
            raise RuntimeError(f"{method}: {frame['error']}")
        return frame["result"]

    async def close(self):
        self.pinger.cancel()
        self.reader.cancel()
        await self.ws.close()


class SmallVideo(VideoStreamTrack):
    """320x240 at 30 fps with a moving bar: real VP8 from aiortc's encoder, cheap on two cores."""

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(width=320, height=240)
        n = pts // 3000
        for i, p in enumerate(frame.planes):
            buf = bytearray(p.buffer_size)
            if i == 0:
                x = n % p.width
                for row in range(p.height):
                    buf[row * p.line_size + x] = 235
            else:
                buf[:] = b"\x80" * p.buffer_size
            p.update(bytes(buf))
        frame.pts = pts
        frame.time_base = time_base
        return frame


def join_params(cfg, who, **room):
    return {"appId": cfg["appId"], "roomId": cfg["roomId"], "userId": who["userId"], "token": who["token"], "roomConfig": room}


async def wait_connected(pc, timeout):
    done = asyncio.get_event_loop().create_future()

    @pc.on("connectionstatechange")
    def _():
        if pc.connectionState == "connected" and not done.done():
            done.set_result(None)
        elif pc.connectionState == "failed" and not done.done():
            done.set_exception(RuntimeError("connection failed"))

    if pc.connectionState == "connected":
        return
    await asyncio.wait_for(done, timeout)


async def publish(cfg):
    signal = await Signal.connect(cfg["wsUrl"])
    await signal.request("joinRtcRoom", join_params(cfg, cfg["publisher"], autoPublish=False, autoSubscribe=False))
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    t = pc.addTransceiver(SmallVideo(), direction="sendonly")
    t.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/VP8"])
    await pc.setLocalDescription(await pc.createOffer())
    res = await signal.request("publisherOffer", {"sdp": pc.localDescription.sdp, "sources": {t.mid: "video"}})
    await pc.setRemoteDescription(RTCSessionDescription(sdp=res["sdp"], type="answer"))
    await wait_connected(pc, 10)
    await signal.request("setPublish", {"sources": ["video"], "publish": True})
    return signal, pc


async def subscribe_once(cfg, who):
    """Joins, answers offers, and times the first decoded frame from the transport connecting."""
    timeout = cfg.get("timeoutS", 5)
    signal = await Signal.connect(cfg["wsUrl"])
    await signal.request("joinRtcRoom", join_params(cfg, who, autoPublish=False, autoSubscribe=True))
    state = {"pc": None, "pcId": None, "connectedAt": None, "first": None, "frames": 0, "size": None}
    first = asyncio.get_event_loop().create_future()

    async def read_frames(track):
        while True:
            frame = await track.recv()
            state["frames"] += 1
            if state["first"] is None:
                state["first"] = time.monotonic()
                state["size"] = (frame.width, frame.height)
                if not first.done():
                    first.set_result(None)

    async def answer_offers():
        while True:
            ev = await signal.events.get()
            if ev["event"] != "subscriberOffer":
                continue
            offer = ev["data"]
            if offer["pcId"] != state["pcId"]:
                if state["pc"]:
                    await state["pc"].close()
                pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
                state["pc"], state["pcId"] = pc, offer["pcId"]

                @pc.on("track")
                def on_track(track):
                    if track.kind == "video":
                        asyncio.ensure_future(read_frames(track))

                @pc.on("connectionstatechange")
                def on_state(pc=pc):
                    if pc.connectionState == "connected" and state["connectedAt"] is None:
                        state["connectedAt"] = time.monotonic()

            pc = state["pc"]
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
            await signal.request("subscriberAnswer", {"offerId": offer["offerId"], "sdp": pc.localDescription.sdp})

    answering = asyncio.ensure_future(answer_offers())
    try:
        await asyncio.wait_for(first, timeout)
    except asyncio.TimeoutError:
        pass
    await asyncio.sleep(0.3)  # a few more frames: decoding goes on
    answering.cancel()
    result = {
        "userId": who["userId"],
        "connectedToFirstFrameMs": None if state["first"] is None or state["connectedAt"] is None else round((state["first"] - state["connectedAt"]) * 1000, 1),
        "width": state["size"][0] if state["size"] else None,
        "height": state["size"][1] if state["size"] else None,
        "frames": state["frames"],
    }
    await signal.request("exitRtcRoom", {"roomId": cfg["roomId"]})
    await signal.close()
    if state["pc"]:
        await state["pc"].close()
    return result


async def main():
    cfg = json.loads(sys.argv[1])
    pub = None
    if cfg.get("publisher"):
        pub = await publish(cfg)
        log({"published": True})
    for who in cfg.get("subscribers", []):
        log(await subscribe_once(cfg, who))
    if pub and not cfg.get("subscribers"):
        # publish until the parent closes stdin
        await asyncio.get_event_loop().run_in_executor(None, sys.stdin.read)
    if pub:
        await pub[0].close()
        await pub[1].close()


if __name__ == "__main__":
    asyncio.run(main())
