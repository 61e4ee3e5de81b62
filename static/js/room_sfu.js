// The room's media through the SFU (Janus), once the room is larger than the mesh carries (state
// `media: "sfu"`): one send-only connection publishes this page's camera and microphone, and one
// receive-only connection per feed the hub offers (`sfu_offer`). This page speaks only to the hub;
// the hub speaks to Janus and decides who receives whom (docs/signalling.md, "Media").
// The receiving connections live in room.js's `peers` map (marked `sfu`), so tiles, levels and
// the test hooks treat them as the mesh's.

// A large room's tiles are small: half size, 15 frames a second, 300 kbit/s at most.
const VIDEO_ENCODING = { maxBitrate: 300000, scaleResolutionDownBy: 2, maxFramerate: 15 };
// A feed's connection on which nothing has arrived this long after the answer is asked for again
// (20 s replaced connections that were only slow when eight pages joined on two busy cores)
// (`sfu_refresh`), as is one that failed: Janus does not always see a connection stuck or failed
// on this side. Each time nothing arrived again the wait for that feed doubles (up to the
// longest), so that on a machine too busy to start a connection in 45 s they are not replaced
// for ever; it starts afresh once something arrives.
const NOTHING_ARRIVED_MS = 45000;
const LONGEST_WAIT_MS = 360000;

export function gatheringDone(pc, timeoutMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => { pc.removeEventListener("icegatheringstatechange", done); resolve(); };
    const done = () => { if (pc.iceGatheringState === "complete") finish(); };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(finish, timeoutMs);
  });
}

// room: {send, peers, attachStream, closePeer, iceServers(), localStream()}
export function sfuMedia(room) {
  const silentWaits = new Map(); // feed -> how long its next connection may stay silent
  let publisher = null; // {pc, ref}: ref numbers its sfu_publish, which the hub's answer echoes
  let retryTimer = null;
  let published = 0;

  async function publish() {
    const stream = room.localStream();
    const audio = stream.getAudioTracks()[0];
    const video = stream.getVideoTracks()[0];
    if (!audio && !video) return; // nothing to send: this page only watches
    const pc = new RTCPeerConnection({ iceServers: room.iceServers() });
    published += 1;
    const mine = { pc, ref: published };
    publisher = mine;
    if (audio) pc.addTransceiver(audio, { direction: "sendonly", streams: [stream] });
    if (video) pc.addTransceiver(video, { direction: "sendonly", streams: [stream], sendEncodings: [VIDEO_ENCODING] });
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed" && publisher === mine) retry();
    };
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringDone(pc, 3000); // the hub hands Janus complete descriptions, no trickle
    if (publisher === mine) room.send("sfu_publish", { sdp: pc.localDescription.sdp }, mine.ref);
  }

  function unpublish() {
    clearTimeout(retryTimer);
    if (publisher) publisher.pc.close();
    publisher = null;
  }

  // ``ref``: the publication the hub's sfu_failed is about (none: the current one); an older
  // publication's failure is old news.
  function retry(ref) {
    if (ref !== undefined && ref !== null && publisher && publisher.ref !== ref) return;
    unpublish();
    retryTimer = setTimeout(() => { retryTimer = null; if (!publisher) publish(); }, 2000);
  }

  // Janus's answer to this page's newest offer only: an answer to an older one (replaced after a
  // failure) would point the new connection at a publisher the hub has already let go.
  async function onPublished({ sdp }, ref) {
    if (!publisher || publisher.ref !== ref || publisher.pc.signalingState !== "have-local-offer") return;
    try {
      await publisher.pc.setRemoteDescription({ type: "answer", sdp });
    } catch (err) {
      console.warn("publishing failed", err);
      retry();
    }
  }

  // A feed the hub offers; a new offer for the same feed replaces the old connection. The answer
  // carries the offer's id, so the hub never gives Janus an answer to an offer it replaced. The
  // same offer again (the hub sends it again while no answer has reached it) is answered again if
  // this page has answered it, and otherwise left to the work already under way on it.
  async function onOffer({ feed, sdp }, ref) {
    const current = room.peers.get(feed);
    if (current && current.sfu && ref !== undefined && ref !== null && current.ref === ref) {
      if (current.answer) room.send("sfu_answer", { feed, sdp: current.answer }, ref);
      return;
    }
    room.closePeer(feed);
    const pc = new RTCPeerConnection({ iceServers: room.iceServers() });
    const entry = { pc, ref, sfu: true, stream: new MediaStream() };
    room.peers.set(feed, entry);
    pc.onconnectionstatechange = () => {
      // The feed is asked for again: Janus does not always see the failure (in a room of eight on
      // two busy cores, four of one page's connections failed and Janus hung none of them up).
      if (pc.connectionState === "failed" && room.peers.get(feed) === entry) {
        room.closePeer(feed);
        room.send("sfu_refresh", { feed });
      }
    };
    pc.ontrack = ({ track, streams }) => {
      if (!streams[0]) entry.stream.addTrack(track);
      entry.stream = streams[0] || entry.stream;
      room.attachStream(feed, entry.stream);
      track.addEventListener("unmute", () => { entry.arrived = true; silentWaits.delete(feed); }); // media came
    };
    try {
      await pc.setRemoteDescription({ type: "offer", sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gatheringDone(pc, 3000);
      if (room.peers.get(feed) !== entry) return;
      entry.answer = pc.localDescription.sdp;
      room.send("sfu_answer", { feed, sdp: entry.answer }, ref);
      const wait = silentWaits.get(feed) || NOTHING_ARRIVED_MS;
      setTimeout(() => {
        if (room.peers.get(feed) !== entry || entry.arrived) return;
        silentWaits.set(feed, Math.min(wait * 2, LONGEST_WAIT_MS));
        room.send("sfu_refresh", { feed });
      }, wait);
    } catch (err) {
      console.warn("receiving a feed failed", err);
    }
  }

  // After every `state`: publish once admitted; let go of feeds no longer offered (and of the
  // mesh's connections, when the room has just moved to the SFU).
  function sync(state) {
    if (!state.you || state.you.state !== "admitted") { reset(); return; }
    if (!publisher && !retryTimer) publish();
    const allowed = new Set(state.you.feeds || []);
    for (const [pid, entry] of [...room.peers]) if (!entry.sfu || !allowed.has(pid)) room.closePeer(pid);
  }

  function reset() {
    unpublish();
    retryTimer = null;
    silentWaits.clear(); // a page let out and back in starts with the short wait again
    for (const [pid, entry] of [...room.peers]) if (entry.sfu) room.closePeer(pid);
  }

  function replaceTracks() {
    if (!publisher) return;
    const stream = room.localStream();
    for (const sender of publisher.pc.getSenders()) {
      const kind = sender.track ? sender.track.kind : null;
      if (kind) sender.replaceTrack(stream.getTracks().find((t) => t.kind === kind) || null);
    }
  }

  return {
    sync, reset, replaceTracks, onPublished, onOffer,
    failed: retry,
    state: () => (publisher ? publisher.pc.connectionState : "none"),
  };
}
