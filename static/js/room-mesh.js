// The mesh: one RTCPeerConnection with each member this page may see, by *perfect negotiation*
// (the lower id starts, the higher id is polite), and the send-only audio connection to the hub's
// recorder. docs/signalling.md, "Media", is the contract.
//
// Standby: while someone waits in the lobby, the hub lists in `you.standby` the members they will
// see once let in (and the others waiting). The pair negotiates its connection at once: an audio
// and a video transceiver, both `sendrecv`, but with no track on the senders, so ICE and DTLS are
// done and nothing is sent. Admission only puts the tracks on the senders (`replaceTrack`, no new
// offer) and shows what arrives. Before that, this page sends nothing on a standby connection and
// shows or plays nothing from it; a caucus closes the connections it forbids, as before.
import { gatheringDone } from "./room_sfu.js";

// room: {send, peers, attachStream, closePeer, me(), iceServers(), localStream(), audioOnly(),
// recordVideo(), state()}
export function meshMedia(room) {
  const peers = room.peers; // participant id -> {pc, polite, makingOffer, ignoreOffer, stream, live}
  let hub = null; // {pc}
  let hubWait = null; // {since, flowingAt, timer}: the recorder waits until the mesh's media flow

  const trackOf = (kind) => room.localStream().getTracks().find((t) => t.kind === kind) || null;
  const kindOf = (transceiver) => transceiver.receiver.track.kind;
  const wantsVideo = () => !room.audioOnly();

  // What a connection sends: this page's tracks once both sides may see each other, else nothing.
  function applyMedia(entry) {
    for (const t of entry.pc.getTransceivers()) {
      if (t.stopped || t.direction === "inactive") continue;
      const want = entry.live ? trackOf(kindOf(t)) : null;
      if (t.sender.track !== want) t.sender.replaceTrack(want).catch((err) => console.warn("replaceTrack", err));
    }
  }

  function makePeer(pid, live) {
    const pc = new RTCPeerConnection({ iceServers: room.iceServers() });
    const entry = { pc, polite: room.me() > pid, makingOffer: false, ignoreOffer: false, stream: new MediaStream(), live };
    peers.set(pid, entry);
    pc.onnegotiationneeded = async () => {
      try {
        entry.makingOffer = true;
        await pc.setLocalDescription();
        room.send("signal", { to: pid, description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
      } catch (err) {
        console.warn("negotiation failed", err);
      } finally {
        entry.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate && candidate.candidate) room.send("signal", { to: pid, candidate: candidate.toJSON() });
    };
    pc.ontrack = ({ track, streams }) => {
      if (!streams[0]) entry.stream.addTrack(track);
      entry.stream = streams[0] || entry.stream;
      track.addEventListener("unmute", () => { // media arrive: the recorder may follow
        performance.mark(`mesh:unmute:${pid}:${track.kind}`);
        syncHub();
      });
      if (entry.live) room.attachStream(pid, entry.stream); // standby: nothing shown or played
    };
    pc.oniceconnectionstatechange = () => {
      if (pc.iceConnectionState === "failed") pc.restartIce();
    };
    return entry;
  }

  // The starting side (lower id) sets up both transceivers; the polite side gets them from the offer.
  function start(pid, live) {
    const entry = makePeer(pid, live);
    const streams = [room.localStream()];
    entry.pc.addTransceiver("audio", { direction: "sendrecv", streams });
    entry.pc.addTransceiver("video", { direction: wantsVideo() ? "sendrecv" : "inactive", streams });
    applyMedia(entry);
    return entry;
  }

  async function onSignal({ from, description, candidate }) {
    let entry = peers.get(from);
    if (entry && entry.sfu) { room.closePeer(from); entry = null; }
    if (!entry) entry = makePeer(from, isLive(from));
    const pc = entry.pc;
    try {
      if (description) {
        const collision = description.type === "offer" && (entry.makingOffer || pc.signalingState !== "stable");
        entry.ignoreOffer = !entry.polite && collision;
        if (entry.ignoreOffer) return;
        await pc.setRemoteDescription(description);
        if (description.type === "offer") {
          // Answer able to send both ways (tracks come at admission, without a new offer).
          for (const t of pc.getTransceivers()) {
            if (t.stopped) continue;
            const direction = kindOf(t) === "video" && !wantsVideo() ? "inactive" : "sendrecv";
            if (t.direction !== direction) t.direction = direction;
          }
          applyMedia(entry);
          await pc.setLocalDescription();
          room.send("signal", { to: from, description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
        }
      } else if (candidate) {
        try {
          await pc.addIceCandidate(candidate);
        } catch (err) {
          if (!entry.ignoreOffer) console.warn("candidate refused", err);
        }
      }
    } catch (err) {
      console.warn("signal failed", err);
    }
  }

  function isLive(pid) {
    const state = room.state();
    return Boolean(state && state.you.state === "admitted" && state.you.peers.includes(pid));
  }

  function resetAll() {
    for (const [pid, entry] of [...peers]) if (!entry.sfu) room.closePeer(pid);
  }

  // After every `state` (mesh rooms): close what the room no longer allows, start what it allows
  // and nobody started, and let media flow exactly on the connections with those one may see.
  function sync(state) {
    const you = state.you;
    const live = new Set(you.state === "admitted" ? you.peers : []);
    const wanted = new Set([...live, ...(you.standby || [])]);
    for (const [pid, entry] of [...peers]) if (entry.sfu || !wanted.has(pid)) room.closePeer(pid);
    for (const pid of wanted) {
      let entry = peers.get(pid);
      if (!entry && room.me() < pid) entry = start(pid, live.has(pid));
      if (!entry) continue; // the other side starts; its offer makes the entry
      const was = entry.live;
      entry.live = live.has(pid);
      if (was !== entry.live) {
        applyMedia(entry);
        if (entry.live) performance.mark(`mesh:live:${pid}`);
      }
      if (entry.live && !was && entry.stream.getTracks().length) room.attachStream(pid, entry.stream);
    }
  }

  function replaceTracks() {
    for (const entry of peers.values()) if (!entry.sfu) applyMedia(entry);
    if (hub) {
      const sender = hub.pc.getSenders()[0];
      if (sender) sender.replaceTrack(trackOf("audio"));
    }
  }

  // Sound only: no video sent or received on this connection (the change renegotiates by itself).
  function soundOnly() {
    for (const entry of peers.values()) {
      if (entry.sfu) continue;
      for (const t of entry.pc.getTransceivers()) {
        if (kindOf(t) !== "video" || t.stopped || t.direction === "inactive") continue;
        t.sender.replaceTrack(null);
        t.direction = "inactive";
      }
    }
    if (hub) for (const sender of hub.pc.getSenders()) if (sender.track && sender.track.kind === "video") sender.replaceTrack(null);
  }

  // ---------------------------------------------------------------- the hub's recorder
  // Opened HUB_AFTER_MS after the mesh's media flow (video, or sound if their camera is off, arrived
  // from every peer one may see), or HUB_WAIT_MS after admission at most. Its connection (some 70 ms
  // of this page's main thread to make, then a non-trickle offer, the hub's answer and a DTLS
  // handshake) must not compete with the first frames, in this page or in the others' pages, which
  // share the machine in a test and the uplink in life. What it misses is the first second's sound.
  const HUB_WAIT_MS = 2000;
  const HUB_AFTER_MS = 800;
  function meshFlowing() {
    const members = (room.state() && room.state().members) || [];
    for (const [pid, entry] of peers) {
      if (entry.sfu || !entry.live) continue;
      const member = members.find((m) => m.participant === pid);
      const kind = member && member.video ? "video" : "audio"; // their camera may be off
      if (!entry.pc.getReceivers().some((r) => r.track && r.track.kind === kind && !r.track.muted)) return false;
    }
    return true;
  }

  async function syncHub() {
    const state = room.state();
    // Through the SFU, the hub's recorder takes each member's audio from Janus instead.
    const wanted = state && state.recording && state.media !== "sfu" && state.you.state === "admitted" && room.localStream().getAudioTracks().length > 0;
    if (!wanted) {
      if (hubWait) { clearTimeout(hubWait.timer); hubWait = null; }
      if (hub) { closeHub(); room.send("hub_close"); }
      return;
    }
    if (hub) return;
    const at = Date.now();
    if (!hubWait) hubWait = { since: at, flowingAt: null, timer: null };
    if (hubWait.flowingAt === null && meshFlowing()) hubWait.flowingAt = at;
    const due = Math.min(hubWait.since + HUB_WAIT_MS, (hubWait.flowingAt ?? Infinity) + HUB_AFTER_MS);
    clearTimeout(hubWait.timer);
    if (at < due) {
      hubWait.timer = setTimeout(syncHub, due - at);
      return;
    }
    hubWait = null;
    const pc = new RTCPeerConnection({ iceServers: room.iceServers() });
    hub = { pc };
    const stream = room.localStream();
    pc.addTransceiver(stream.getAudioTracks()[0], { direction: "sendonly", streams: [stream] });
    const video = stream.getVideoTracks()[0];
    if (room.recordVideo() && video) {
      // Low rate: the recorder keeps a record, not a broadcast (about 150 kbit/s, half size).
      pc.addTransceiver(video, {
        direction: "sendonly",
        streams: [stream],
        sendEncodings: [{ maxBitrate: 150000, scaleResolutionDownBy: 2, maxFramerate: 10 }],
      });
    }
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed" && hub && hub.pc === pc) {
        closeHub();
        setTimeout(syncHub, 2000);
      }
    };
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringDone(pc, 3000); // the hub's peer does not take trickled candidates
    if (hub && hub.pc === pc) room.send("hub_offer", { sdp: pc.localDescription.sdp });
  }

  async function onHubAnswer({ sdp }) {
    // An answer to an older offer (the connection was replaced meanwhile) is ignored.
    if (!hub || hub.pc.signalingState !== "have-local-offer") return;
    try {
      await hub.pc.setRemoteDescription({ type: "answer", sdp });
    } catch (err) {
      closeHub();
      setTimeout(syncHub, 2000);
    }
  }

  function hubFailed() {
    closeHub();
    setTimeout(syncHub, 3000);
  }

  function closeHub() {
    if (hub) { hub.pc.close(); hub = null; }
  }

  return {
    sync, onSignal, resetAll, replaceTracks, soundOnly, syncHub, onHubAnswer, hubFailed, closeHub,
    hubState: () => (hub ? hub.pc.connectionState : "none"),
    live: () => [...peers].filter(([, e]) => e.sfu || e.live).map(([pid]) => pid),
    standby: () => [...peers].filter(([, e]) => !e.sfu && !e.live).map(([pid]) => pid),
  };
}
