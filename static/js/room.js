// The video room: device check, consent, lobby, mesh video between browsers, a send-only audio
// connection to the hub's recorder, caucus, chat, notes, evidence, and reconnection by itself.
// Once in, video first: the tiles fill the screen (the active speaker larger), one control bar,
// chat and tools in a drawer, and a hint about the network that offers sound only when it is poor.
// The protocol is written down in docs/signalling.md. No inline script: CSP forbids it.
// Large rooms send their media through the SFU instead of the mesh: room_sfu.js.
import { sfuMedia } from "./room_sfu.js";

const root = document.getElementById("room");
const T = JSON.parse(document.getElementById("room-text").textContent);
const SESSION = Number(root.dataset.session);
const IS_MEDIATOR = root.dataset.mediator === "yes";
const $ = (id) => document.getElementById(id);

let ws = null;
let me = null;
let iceServers = [];
let state = null;
let localStream = new MediaStream();
let consent = "given";
let audioOnly = false;
let closedForGood = false;
let retry = 0;
let evidence = [];
let recordVideo = false;
let reconnectTimer = null;
const peers = new Map(); // participant id -> {pc, polite, makingOffer, ignoreOffer, stream}
let hub = null; // {pc, pending}
let audioContext = null;
const meters = new Map(); // element -> {analyser, source}
const sfu = sfuMedia({
  send, peers, attachStream, closePeer, iceServers: () => iceServers, localStream: () => localStream,
});
let activePid = null; // the remote tile shown larger
let challenger = { pid: null, ticks: 0 }; // who has been loudest lately, and for how long
let unread = 0;
let noticeIsError = false;
let poorTicks = 0;
let everAdmitted = false;
const wide = window.matchMedia("(min-width: 900px)");
const net = import(root.dataset.netModule).catch(() => null); // the network hint is a nicety

// ---------------------------------------------------------------- devices and the pre-check
async function openDevices() {
  const wantVideo = !$("audio-only").checked;
  const camera = $("camera").value;
  const microphone = $("microphone").value;
  localStream.getTracks().forEach((t) => t.stop());
  $("device-error").hidden = true;
  const constraints = {
    audio: microphone ? { deviceId: { exact: microphone } } : true,
    video: wantVideo ? (camera ? { deviceId: { exact: camera }, width: 640, height: 480 } : { width: 640, height: 480 }) : false,
  };
  try {
    localStream = await navigator.mediaDevices.getUserMedia(constraints);
  } catch (err) {
    localStream = new MediaStream();
    const denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
    $("device-error").textContent = denied ? T.denied : T.no_devices;
    $("device-error").hidden = false;
    if (wantVideo) {
      try { localStream = await navigator.mediaDevices.getUserMedia({ audio: true }); } catch (e) { /* listen only */ }
    }
  }
  $("preview").srcObject = localStream;
  watchLevel(localStream, $("level"));
  await listDevices();
  replaceTracksEverywhere();
}

async function listDevices() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return;
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [kind, select] of [["videoinput", $("camera")], ["audioinput", $("microphone")]]) {
    const chosen = select.value;
    select.replaceChildren(...devices.filter((d) => d.kind === kind).map((d, i) => {
      const option = document.createElement("option");
      option.value = d.deviceId;
      option.textContent = d.label || `${kind} ${i + 1}`;
      return option;
    }));
    if (chosen) select.value = chosen;
  }
}

function watchLevel(stream, element) {
  const track = stream.getAudioTracks()[0];
  if (!track) return;
  audioContext = audioContext || new AudioContext();
  const source = audioContext.createMediaStreamSource(new MediaStream([track]));
  const analyser = audioContext.createAnalyser();
  analyser.fftSize = 512;
  source.connect(analyser);
  stopLevel(element); // a tile that gets a new stream lets go of the old one's audio node
  meters.set(element, { analyser, source });
}

function stopLevel(element) {
  const meter = meters.get(element);
  if (meter) meter.source.disconnect();
  meters.delete(element);
}

function levelOf(analyser) {
  const data = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(data);
  let sum = 0;
  for (const v of data) sum += v * v;
  return Math.sqrt(sum / data.length);
}

setInterval(() => {
  let loudest = null;
  let loudestLevel = 0.02;
  for (const [element, { analyser }] of meters) {
    if (!element.isConnected) { stopLevel(element); continue; }
    const level = levelOf(analyser);
    if (element.tagName === "METER") { element.value = Math.min(1, level * 4); continue; }
    element.classList.toggle("speaking", level > 0.02);
    const pid = Number(element.dataset.participant);
    if (pid !== me && level > loudestLevel) { loudest = pid; loudestLevel = level; }
  }
  // The active speaker changes after about a second of someone else being loudest, not at
  // every breath.
  if (loudest === null || loudest === activePid) { challenger = { pid: null, ticks: 0 }; return; }
  challenger = challenger.pid === loudest ? { pid: loudest, ticks: challenger.ticks + 1 } : { pid: loudest, ticks: 1 };
  if (challenger.ticks >= 7) { activePid = loudest; challenger = { pid: null, ticks: 0 }; layoutTiles(); }
}, 150);

// ---------------------------------------------------------------- signalling
function send(type, data = {}, id = undefined) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ v: 1, type, id, data }));
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const sock = new WebSocket(`${scheme}://${location.host}/mediations/${SESSION}/ws`);
  ws = sock;
  setConn(retry ? T.reconnecting : T.connecting, "warn");
  // A replaced socket's late events must not act: only the newest socket speaks for this page.
  sock.onopen = () => {
    if (sock !== ws) return;
    retry = 0;
    send("hello", { name: $("name").value, consent, audio_only: audioOnly });
  };
  sock.onmessage = (event) => { if (sock === ws) handle(JSON.parse(event.data)); };
  sock.onclose = () => {
    if (closedForGood || sock !== ws) return;
    setConn(T.reconnecting, "warn");
    retry += 1;
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, Math.min(5000, 500 * 2 ** Math.min(retry, 4)));
  };
}

setInterval(() => send("ping"), 20000);

// A phone switching networks, or a laptop losing Wi-Fi: the old socket is dead even if no close
// frame ever arrives, so drop it at once and come back as soon as the network does (only once
// the person has joined: before that, nothing may be sent in their name).
window.addEventListener("offline", () => { if (ws && !closedForGood) ws.close(); });
window.addEventListener("online", () => {
  if (closedForGood || !ws || ws.readyState <= WebSocket.OPEN) return;
  clearTimeout(reconnectTimer);
  connect();
});

function setConn(text, kind) {
  $("conn").textContent = text;
  $("conn").dataset.state = kind;
}

async function handle(msg) {
  const data = msg.data || {};
  switch (msg.type) {
    case "welcome":
      if (me !== null) { // a fresh socket: everyone reconnects afresh, and the room forgot my hand
        resetAllPeers();
        closeHub();
        sfu.reset();
        $("toggle-hand").dataset.up = "no";
        $("toggle-hand").textContent = T.raise_hand;
        state = null; // the room's next state is news: sound and camera are said again
      }
      me = data.participant;
      iceServers = data.ice_servers || [];
      evidence = data.evidence || [];
      recordVideo = Boolean(data.record_video);
      fillEvidence();
      setConn(T.connected, "ok");
      break;
    case "state": {
      const wasAdmitted = state && state.you.state === "admitted";
      state = data;
      if (!wasAdmitted && state.you.state === "admitted") admitted();
      render();
      if (state.media === "sfu") sfu.sync(state);
      else syncPeers();
      syncHub();
      break;
    }
    case "sfu_published":
      await sfu.onPublished(data, msg.id);
      break;
    case "sfu_offer":
      await sfu.onOffer(data, msg.id);
      break;
    case "sfu_reset":
      sfu.reset();
      if (state) sfu.sync(state);
      break;
    case "signal":
      await onSignal(data);
      break;
    case "peer_reset":
      closePeer(data.participant);
      syncPeers();
      break;
    case "hub_answer":
      // An answer to an older offer (the connection was replaced meanwhile) is ignored.
      if (hub && hub.pc.signalingState === "have-local-offer") {
        try {
          await hub.pc.setRemoteDescription({ type: "answer", sdp: data.sdp });
        } catch (err) {
          closeHub();
          setTimeout(syncHub, 2000);
        }
      }
      break;
    case "chat":
      addLine($("chat"), `${data.name}: ${data.text}`, data.at);
      if ($("drawer").hidden && data.from !== me) { unread += 1; $("unread").textContent = String(unread); $("unread").hidden = false; }
      break;
    case "note":
      addLine($("notes"), data.text, data.at);
      break;
    case "mute_request":
      setAudio(false);
      showNotice(T.muted_by_mediator);
      break;
    case "removed":
      stopAll(T.removed);
      break;
    case "ended":
      // A server restarting is not the end: the socket closes and this page comes back by itself.
      if (data.reason === "cancelled") stopAll(T.cancelled);
      else if (data.reason !== "server_shutdown") stopAll(T.ended);
      break;
    case "error":
      if (["removed", "session_ended", "room_full"].includes(data.code)) stopAll(data.message);
      else if (data.code === "hub_peer_failed" || data.code === "not_recording") { closeHub(); setTimeout(syncHub, 3000); }
      else if (data.code === "sfu_failed") sfu.failed(msg.id);
      else if (data.code === "not_admitted" && !(state && state.you.state === "admitted")) console.info("not yet admitted", data);
      else showNotice(`${T.error}: ${data.message}`, false, true);
      break;
    default:
      break;
  }
}

function stopAll(text) {
  closedForGood = true;
  resetAllPeers();
  closeHub();
  sfu.reset();
  localStream.getTracks().forEach((t) => t.stop());
  if (ws) ws.close();
  $("stage").hidden = true;
  $("lobby").hidden = true;
  $("precheck").hidden = true;
  $("net-offer").hidden = true;
  showNotice(text, true);
  root.dataset.ended = "yes";
}

function showNotice(text, sticky = false, isError = false) {
  const box = $("notice");
  box.textContent = text;
  box.hidden = false;
  noticeIsError = isError;
  fitStage();
  if (!sticky) setTimeout(() => { if (!closedForGood && box.textContent === text) box.hidden = true; }, 6000);
}

// Let in: say what is really on (the room assumes sound and camera on), forget any error shown
// while waiting, and lay out the stage.
function admitted() {
  if (noticeIsError) { $("notice").hidden = true; noticeIsError = false; }
  $("precheck").hidden = true;
  $("lobby").hidden = true;
  $("stage").hidden = false;
  if (wide.matches && !everAdmitted) openDrawer(IS_MEDIATOR ? "people-panel" : "chat-panel", false);
  everAdmitted = true;
  fitStage();
  sendMedia();
}

// The stage fills the screen below its own top. What is above it (the page's bar, a notice, the
// network offer) changes height, so look again now and then.
function fitStage() {
  if ($("stage").hidden) return;
  const top = `${Math.round($("stage").getBoundingClientRect().top + window.scrollY)}px`;
  if (root.style.getPropertyValue("--stage-top") !== top) root.style.setProperty("--stage-top", top);
}
window.addEventListener("resize", fitStage);
setInterval(fitStage, 1000);

// ---------------------------------------------------------------- the mesh (perfect negotiation)
function makePeer(pid) {
  const pc = new RTCPeerConnection({ iceServers });
  const entry = { pc, polite: me > pid, makingOffer: false, ignoreOffer: false, stream: new MediaStream() };
  peers.set(pid, entry);
  for (const track of localStream.getTracks()) pc.addTrack(track, localStream);
  if (audioOnly) soundOnly(pc);
  pc.onnegotiationneeded = async () => {
    try {
      entry.makingOffer = true;
      await pc.setLocalDescription();
      send("signal", { to: pid, description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
    } catch (err) {
      console.warn("negotiation failed", err);
    } finally {
      entry.makingOffer = false;
    }
  };
  pc.onicecandidate = ({ candidate }) => {
    if (candidate && candidate.candidate) send("signal", { to: pid, candidate: candidate.toJSON() });
  };
  pc.ontrack = ({ track, streams }) => {
    if (!streams[0]) entry.stream.addTrack(track);
    entry.stream = streams[0] || entry.stream;
    attachStream(pid, entry.stream);
  };
  pc.oniceconnectionstatechange = () => {
    if (pc.iceConnectionState === "failed") pc.restartIce();
  };
  return entry;
}

async function onSignal({ from, description, candidate }) {
  let entry = peers.get(from);
  if (!entry) entry = makePeer(from);
  const pc = entry.pc;
  try {
    if (description) {
      const collision = description.type === "offer" && (entry.makingOffer || pc.signalingState !== "stable");
      entry.ignoreOffer = !entry.polite && collision;
      if (entry.ignoreOffer) return;
      await pc.setRemoteDescription(description);
      if (description.type === "offer") {
        if (audioOnly) soundOnly(pc); // answer without video either way
        await pc.setLocalDescription();
        send("signal", { to: from, description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
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

function closePeer(pid) {
  const entry = peers.get(pid);
  if (!entry) return;
  entry.pc.close();
  peers.delete(pid);
  const tile = document.querySelector(`.tile[data-participant="${pid}"] video`);
  if (tile) tile.srcObject = null;
}

function resetAllPeers() {
  for (const pid of [...peers.keys()]) closePeer(pid);
}

function syncPeers() {
  if (!state || !state.you || state.you.state !== "admitted") { resetAllPeers(); return; }
  const allowed = new Set(state.you.peers);
  for (const pid of [...peers.keys()]) if (!allowed.has(pid)) closePeer(pid);
  // The impolite side (lower id) starts; the polite side waits for its offer, so a pair never
  // opens two connections at once.
  for (const pid of allowed) if (!peers.has(pid) && me < pid) makePeer(pid);
}

function replaceTracksEverywhere() {
  const byKind = (kind) => localStream.getTracks().find((t) => t.kind === kind) || null;
  sfu.replaceTracks();
  for (const { pc, sfu: viaSfu } of peers.values()) {
    if (viaSfu) continue; // receive-only
    const kinds = new Set();
    for (const sender of pc.getSenders()) {
      if (sender.track) kinds.add(sender.track.kind);
      const kind = sender.track ? sender.track.kind : null;
      if (kind) sender.replaceTrack(byKind(kind));
    }
    for (const track of localStream.getTracks()) if (!kinds.has(track.kind)) pc.addTrack(track, localStream);
  }
  if (hub) {
    const sender = hub.pc.getSenders()[0];
    if (sender) sender.replaceTrack(byKind("audio"));
  }
}

// Sound only: no video sent or received on this connection (the change renegotiates by itself).
function soundOnly(pc) {
  for (const t of pc.getTransceivers()) {
    const kind = (t.sender.track && t.sender.track.kind) || (t.receiver.track && t.receiver.track.kind);
    if (kind !== "video" || t.stopped || t.direction === "inactive") continue;
    t.sender.replaceTrack(null);
    t.direction = "inactive";
  }
}

// ---------------------------------------------------------------- the hub's recorder
async function syncHub() {
  // Through the SFU, the hub's recorder takes each member's audio from Janus instead.
  const wanted = state && state.recording && state.media !== "sfu" && state.you.state === "admitted" && localStream.getAudioTracks().length > 0;
  if (!wanted) { if (hub) { closeHub(); send("hub_close"); } return; }
  if (hub) return;
  const pc = new RTCPeerConnection({ iceServers });
  hub = { pc };
  pc.addTransceiver(localStream.getAudioTracks()[0], { direction: "sendonly", streams: [localStream] });
  const video = localStream.getVideoTracks()[0];
  if (recordVideo && video) {
    // Low rate: the recorder keeps a record, not a broadcast (about 150 kbit/s, half size).
    pc.addTransceiver(video, {
      direction: "sendonly",
      streams: [localStream],
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
  if (hub && hub.pc === pc) send("hub_offer", { sdp: pc.localDescription.sdp });
}

function gatheringDone(pc, timeoutMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => { pc.removeEventListener("icegatheringstatechange", done); resolve(); };
    const done = () => { if (pc.iceGatheringState === "complete") finish(); };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(finish, timeoutMs);
  });
}

function closeHub() {
  if (hub) { hub.pc.close(); hub = null; }
}

// ---------------------------------------------------------------- drawing the room
function tileFor(pid, name) {
  let tile = document.querySelector(`.tile[data-participant="${pid}"]`);
  if (!tile) {
    tile = document.createElement("figure");
    tile.className = "tile";
    tile.dataset.participant = pid;
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    if (pid === me) video.muted = true;
    const caption = document.createElement("figcaption");
    tile.append(video, caption);
    tile.classList.toggle("self", pid === me);
    $("tiles").append(tile);
  }
  tile.querySelector("figcaption").textContent = name;
  return tile;
}

function attachStream(pid, stream) {
  const member = state && (state.members || []).find((m) => m.participant === pid);
  const tile = tileFor(pid, member ? member.name : "");
  const video = tile.querySelector("video");
  if (video.srcObject !== stream) {
    video.srcObject = stream;
    video.play().catch(() => {});
    watchLevel(stream, tile);
  }
}

function render() {
  const you = state.you;
  $("precheck").hidden = true;
  $("lobby").hidden = you.state !== "lobby";
  $("stage").hidden = you.state !== "admitted";
  root.dataset.state = you.state;
  const refusal = (state.members || []).some((m) => m.consent === "refused");
  $("rec").textContent = state.recording ? `● ${T.recording_on}` : refusal ? T.recording_refused : T.recording_off;
  $("rec").dataset.on = state.recording ? "yes" : "no";
  if (you.state !== "admitted") return;
  const caucus = state.caucus;
  const outside = caucus && !caucus.members.includes(me);
  root.dataset.caucus = caucus ? (outside ? "outside" : "inside") : "none";
  if (outside) showNotice(T.caucus_wait, true);
  else if (caucus) showNotice(T.caucus_in, true);
  else if ([T.caucus_wait, T.caucus_in].includes($("notice").textContent)) $("notice").hidden = true;
  // Tiles: myself, and everyone I may see now.
  const visible = new Set([me, ...you.peers]);
  const mine = tileFor(me, `${$("name").value} (${T.you})`);
  const myVideo = mine.querySelector("video");
  if (myVideo.srcObject !== localStream) { myVideo.srcObject = localStream; watchLevel(localStream, mine); }
  for (const m of state.members) {
    if (m.participant === me || !visible.has(m.participant)) continue;
    const tile = tileFor(m.participant, m.name + (m.hand_up ? ` ${T.hand}` : ""));
    tile.dataset.audio = m.audio ? "on" : "off";
  }
  for (const tile of document.querySelectorAll(".tile")) {
    if (!visible.has(Number(tile.dataset.participant))) tile.remove();
  }
  layoutTiles();
  renderShared();
  if (IS_MEDIATOR) renderPeople();
  fitStage();
}

// The others' tiles, one of them larger: the one speaking lately, else the mediator, else the first.
function layoutTiles() {
  const others = [...document.querySelectorAll(".tile:not(.self)")];
  const pids = others.map((t) => Number(t.dataset.participant));
  if (!pids.includes(activePid)) {
    const mediator = state && (state.members || []).find((m) => m.role === "mediator" && pids.includes(m.participant));
    activePid = mediator ? mediator.participant : (pids[0] ?? null);
  }
  for (const tile of others) tile.classList.toggle("active", Number(tile.dataset.participant) === activePid);
  $("tiles").dataset.count = String(others.length);
}

function renderShared() {
  const box = $("shared");
  const shared = state.shared;
  box.hidden = !shared;
  if (!shared) { box.replaceChildren(); return; }
  if (box.dataset.evidence === String(shared.evidence_id)) return;
  box.dataset.evidence = String(shared.evidence_id);
  const title = document.createElement("p");
  title.textContent = `${T.shared}: ${shared.name}`;
  const item = evidence.find((e) => e.id === shared.evidence_id);
  const isImage = /\.(jpe?g|png|gif|webp)$/i.test(shared.name) || (item && /image/.test(item.kind || ""));
  let body;
  if (isImage) { body = document.createElement("img"); body.src = shared.url; body.alt = shared.name; }
  else { body = document.createElement("a"); body.href = shared.url; body.target = "_blank"; body.rel = "noopener"; body.textContent = T.open_file; }
  box.replaceChildren(title, body);
}

function roomName(room) {
  return room === "main" ? T.main_room : T.caucus_room.replace("{n}", room.split("-")[1] || "");
}

function button(text, onClick, testid) {
  const b = document.createElement("button");
  b.textContent = text;
  b.type = "button";
  if (testid) b.dataset.testid = testid;
  b.addEventListener("click", onClick);
  return b;
}

let peopleShown = "";

function renderPeople() {
  const list = $("people");
  const waiting = state.members.filter((m) => m.state === "lobby").length;
  $("waiting").textContent = String(waiting);
  $("waiting").hidden = waiting === 0;
  $("bar-caucus").textContent = state.caucus ? T.end_caucus : T.caucus;
  $("bar-caucus").dataset.section = state.caucus ? "caucus-controls" : "people-panel";
  // Rebuild only when something shown changed: a button replaced under the pointer loses its click.
  const shown = JSON.stringify([state.caucus, state.members.map((m) => [m.participant, m.name, m.state, m.room, m.consent, m.hand_up, m.connected])]);
  $("caucus-controls").hidden = !state.caucus;
  if (shown === peopleShown) return;
  peopleShown = shown;
  list.replaceChildren();
  for (const m of state.members) {
    if (m.participant === me) continue;
    const li = document.createElement("li");
    li.dataset.participant = m.participant;
    li.dataset.state = m.state;
    const label = document.createElement("span");
    const refused = m.consent === "refused" ? ` · ${T.no_consent}` : "";
    label.textContent = `${m.name} · ${m.state === "lobby" ? T.waiting_room : roomName(m.room)}${refused}${m.hand_up ? " " + T.hand : ""}${m.connected ? "" : " …"}`;
    li.append(label);
    if (m.state === "lobby") li.append(button(T.admit, () => send("admit", { participant: m.participant }), `admit-${m.participant}`));
    if (m.state === "admitted") {
      li.append(button(T.mute, () => send("mute", { participant: m.participant }), `mute-${m.participant}`));
      if (!state.caucus) li.append(button(T.caucus, () => send("caucus_start", { participants: [m.participant] }), `caucus-${m.participant}`));
    }
    li.append(button(T.remove, () => { if (confirm(T.confirm_remove)) send("remove", { participant: m.participant }); }, `remove-${m.participant}`));
    list.append(li);
  }
}

function addLine(list, text, at) {
  const li = document.createElement("li");
  const time = document.createElement("time");
  time.textContent = new Date(at).toLocaleTimeString();
  li.append(time, " ", text);
  list.append(li);
  list.scrollTop = list.scrollHeight;
}

function fillEvidence() {
  const select = $("evidence");
  if (!select) return;
  select.replaceChildren(...evidence.map((e) => {
    const option = document.createElement("option");
    option.value = e.id;
    option.textContent = e.name;
    return option;
  }));
}

// ---------------------------------------------------------------- controls
function setAudio(on) {
  localStream.getAudioTracks().forEach((t) => { t.enabled = on; });
  $("toggle-audio").dataset.off = on ? "no" : "yes";
  $("toggle-audio").textContent = on ? T.mute_button : T.unmute;
  sendMedia();
}

function sendMedia() {
  if (!state || state.you.state !== "admitted") return; // said once let in (see admitted())
  const audio = localStream.getAudioTracks().some((t) => t.enabled);
  const video = localStream.getVideoTracks().some((t) => t.enabled);
  send("media", { audio, video });
}

$("toggle-audio").addEventListener("click", () => setAudio($("toggle-audio").dataset.off === "yes"));
$("toggle-video").addEventListener("click", () => {
  const off = $("toggle-video").dataset.off !== "yes";
  localStream.getVideoTracks().forEach((t) => { t.enabled = !off; });
  $("toggle-video").dataset.off = off ? "yes" : "no";
  $("toggle-video").textContent = off ? T.camera_on : T.camera_off;
  sendMedia();
});
$("toggle-hand").addEventListener("click", () => {
  const up = $("toggle-hand").dataset.up !== "yes";
  $("toggle-hand").dataset.up = up ? "yes" : "no";
  $("toggle-hand").textContent = up ? T.lower_hand : T.raise_hand;
  send("hand", { up });
});
$("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("chat-text").value.trim();
  if (text) send("chat", { text });
  $("chat-text").value = "";
});
if (IS_MEDIATOR) {
  $("note-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("note-text").value.trim();
    if (text) send("note", { text });
    $("note-text").value = "";
  });
  $("caucus-end").addEventListener("click", () => {
    send("caucus_end", { summary: $("caucus-summary").value.trim() });
    $("caucus-summary").value = "";
  });
  $("share").addEventListener("click", () => send("share", { evidence_id: Number($("evidence").value) }));
  $("unshare").addEventListener("click", () => send("share", { evidence_id: null }));
  $("end").addEventListener("click", () => {
    if (confirm(T.confirm_end)) send("end", { outcome: $("outcome").value, note: $("outcome-note").value.trim() });
  });
}
// The drawer: chat and the mediator's tools. A side column on wide screens, a sheet on phones.
function openDrawer(section, focus = true) {
  const drawer = $("drawer");
  drawer.hidden = false;
  if (section === "chat-panel") { unread = 0; $("unread").hidden = true; }
  for (const b of document.querySelectorAll("[aria-controls=drawer]")) b.setAttribute("aria-expanded", "true");
  const target = $(section);
  if (target) { // scroll the drawer only, never the page under it
    const head = $("drawer-close").parentElement.getBoundingClientRect().height;
    drawer.scrollTop += target.getBoundingClientRect().top - drawer.getBoundingClientRect().top - head;
    const field = target.querySelector("input, select, textarea, button");
    if (focus && field) field.focus({ preventScroll: true });
  }
}

function closeDrawer() {
  $("drawer").hidden = true;
  for (const b of document.querySelectorAll("[aria-controls=drawer]")) b.setAttribute("aria-expanded", "false");
}

for (const b of document.querySelectorAll("[aria-controls=drawer]")) {
  b.setAttribute("aria-expanded", "false");
  b.addEventListener("click", () => {
    const section = b.dataset.section;
    // On a phone the same button closes the sheet again; on a wide screen it goes to its section.
    if (!$("drawer").hidden && !wide.matches) closeDrawer();
    else openDrawer(section);
  });
}
$("drawer-close").addEventListener("click", () => { closeDrawer(); $("bar-chat").focus(); });
document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !$("drawer").hidden && !wide.matches) closeDrawer(); });
$("leave").addEventListener("click", () => {
  if (!confirm(T.confirm_leave)) return;
  stopAll(T.left);
  $("rejoin").hidden = false;
});

// ---------------------------------------------------------------- the network hint
async function watchNetwork() {
  const module = await net;
  if (!module || closedForGood || !state || state.you.state !== "admitted") return;
  showNetwork(await module.measure(peers));
}

function showNetwork(reading) {
  const tag = $("net");
  if (!reading) { tag.hidden = true; return; }
  tag.hidden = false;
  tag.dataset.quality = reading.quality;
  tag.textContent = T[`net_${reading.quality}`];
  tag.title = `RTT ${Math.round(reading.rtt * 1000)} ms · ${(reading.loss * 100).toFixed(1)}%`;
  poorTicks = reading.quality === "poor" ? poorTicks + 1 : 0;
  $("net-offer").hidden = audioOnly || poorTicks < 2;
  fitStage();
}

setInterval(watchNetwork, 3000);

function goSoundOnly() {
  audioOnly = true;
  $("audio-only").checked = true;
  for (const track of localStream.getVideoTracks()) { track.stop(); localStream.removeTrack(track); }
  for (const { pc } of peers.values()) soundOnly(pc);
  if (hub) for (const sender of hub.pc.getSenders()) if (sender.track && sender.track.kind === "video") sender.replaceTrack(null);
  $("toggle-video").disabled = true;
  $("toggle-video").textContent = T.sound_only_on;
  $("net-offer").hidden = true;
  sendMedia();
}
$("go-audio-only").addEventListener("click", goSoundOnly);

for (const id of ["camera", "microphone", "audio-only"]) $(id).addEventListener("change", openDevices);
$("join").addEventListener("click", async () => {
  if (audioContext) audioContext.resume();
  consent = document.querySelector("input[name=consent]:checked").value;
  audioOnly = $("audio-only").checked;
  if (audioOnly) { $("toggle-video").disabled = true; $("toggle-video").textContent = T.sound_only_on; }
  $("join").disabled = true;
  connect();
});

// For tests and the connection-quality display: what arrives from each peer.
window.gongtiaoRoom = {
  get me() { return me; },
  get state() { return state; },
  peers: () => [...peers.keys()],
  hubState: () => (hub ? hub.pc.connectionState : "none"),
  sfuState: () => sfu.state(),
  showNetwork, // a test may show a reading as if measured
  get activeSpeaker() { return activePid; },
  async inbound() {
    const out = {};
    for (const [pid, { pc }] of peers) {
      const stats = await pc.getStats();
      const row = { video_frames: 0, audio_bytes: 0, state: pc.connectionState };
      stats.forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "video") row.video_frames += s.framesDecoded || 0;
        if (s.type === "inbound-rtp" && s.kind === "audio") row.audio_bytes += s.bytesReceived || 0;
      });
      out[pid] = row;
    }
    return out;
  },
};

openDevices();
