// The video room: device check, consent, lobby, the signalling socket and reconnection by itself,
// the controls, the network hint, and the hooks tests read. The media are in room-mesh.js (the mesh
// between browsers, with standby connections prepared in the lobby, and the recorder's connection)
// or room_sfu.js (large rooms, through Janus); the drawing is in room-ui.js (video first: the tiles
// fill the screen, the active speaker larger, one control bar, chat and tools in a drawer).
// The protocol is written down in docs/signalling.md. No inline script: CSP forbids it.
import { sfuMedia } from "./room_sfu.js";
import { meshMedia } from "./room-mesh.js";
import { roomUi } from "./room-ui.js";

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
let poorTicks = 0;
let everAdmitted = false;
const net = import(root.dataset.netModule).catch(() => null); // the network hint is a nicety
const peers = new Map(); // participant id -> a connection of the mesh (room-mesh.js) or the SFU (sfu: true)
const ui = roomUi({
  T, send, isMediator: IS_MEDIATOR, me: () => me, state: () => state, localStream: () => localStream,
  myName: () => $("name").value, evidence: () => evidence, closed: () => closedForGood,
});
const { attachStream, showNotice } = ui;
const mesh = meshMedia({
  send, peers, attachStream, closePeer, me: () => me, iceServers: () => iceServers, localStream: () => localStream,
  audioOnly: () => audioOnly, recordVideo: () => recordVideo, state: () => state,
});
const sfu = sfuMedia({
  send, peers, attachStream, closePeer, iceServers: () => iceServers, localStream: () => localStream,
});

function closePeer(pid) {
  const entry = peers.get(pid);
  if (!entry) return;
  entry.pc.close();
  peers.delete(pid);
  ui.clearTile(pid);
}

function replaceTracksEverywhere() {
  sfu.replaceTracks();
  mesh.replaceTracks();
}

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
  ui.prepareAudio();
  if (!$("precheck").hidden) { // the pre-check's own view and meter (let go once joined)
    $("preview").srcObject = localStream;
    ui.watchLevel(localStream, $("level"));
  }
  await listDevices();
  replaceTracksEverywhere();
  sendMedia(); // joined before the camera opened: the room heard "off" with the first state
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
        mesh.resetAll();
        mesh.closeHub();
        sfu.reset();
        $("toggle-hand").dataset.up = "no";
        $("toggle-hand").textContent = T.raise_hand;
        state = null; // the room's next state is news: sound and camera are said again
      }
      me = data.participant;
      iceServers = data.ice_servers || [];
      evidence = data.evidence || [];
      recordVideo = Boolean(data.record_video);
      ui.fillEvidence();
      setConn(T.connected, "ok");
      break;
    case "state": {
      const wasAdmitted = state && state.you.state === "admitted";
      const first = state === null;
      state = data;
      if (first) sendMedia(); // said at once, from the lobby too: the room has it on admission
      if (!wasAdmitted && state.you.state === "admitted") {
        performance.mark("room:admitted"); // marks are cheap; bench/rtc_join.py traces the join by them
        admitted();
      }
      ui.render();
      if (state.media === "sfu") sfu.sync(state);
      else mesh.sync(state);
      mesh.syncHub();
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
      await mesh.onSignal(data);
      break;
    case "peer_reset":
      closePeer(data.participant);
      if (state && state.media !== "sfu") mesh.sync(state);
      break;
    case "hub_answer":
      await mesh.onHubAnswer(data);
      break;
    case "chat":
      ui.addLine($("chat"), `${data.name}: ${data.text}`, data.at);
      if (data.from !== me) ui.countUnread();
      break;
    case "note":
      ui.addLine($("notes"), data.text, data.at);
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
      else if (data.code === "hub_peer_failed" || data.code === "not_recording") mesh.hubFailed();
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
  mesh.resetAll();
  mesh.closeHub();
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

// Let in: forget any error shown while waiting, and lay out the stage.
function admitted() {
  ui.clearError();
  $("precheck").hidden = true;
  $("lobby").hidden = true;
  $("stage").hidden = false;
  if (ui.wide() && !everAdmitted) ui.openDrawer(IS_MEDIATOR ? "people-panel" : "chat-panel", false);
  everAdmitted = true;
  ui.fitStage();
}

// ---------------------------------------------------------------- controls
function setAudio(on) {
  localStream.getAudioTracks().forEach((t) => { t.enabled = on; });
  $("toggle-audio").dataset.off = on ? "no" : "yes";
  $("toggle-audio").textContent = on ? T.mute_button : T.unmute;
  sendMedia();
}

function sendMedia() {
  if (!state) return; // said with the first state (the room assumes sound and camera on)
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
  $("admit-all").addEventListener("click", () => send("admit_all"));
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
  ui.fitStage();
}

setInterval(watchNetwork, 3000);

function goSoundOnly() {
  audioOnly = true;
  $("audio-only").checked = true;
  for (const track of localStream.getVideoTracks()) { track.stop(); localStream.removeTrack(track); }
  mesh.soundOnly();
  $("toggle-video").disabled = true;
  $("toggle-video").textContent = T.sound_only_on;
  $("net-offer").hidden = true;
  sendMedia();
}
$("go-audio-only").addEventListener("click", goSoundOnly);

for (const id of ["camera", "microphone", "audio-only"]) $(id).addEventListener("change", openDevices);
$("join").addEventListener("click", async () => {
  ui.resumeAudio();
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
  peers: () => mesh.live(), // those whose media this page receives (or may: connecting)
  standby: () => mesh.standby(), // connections prepared in the lobby, nothing sent on them
  hubState: () => mesh.hubState(),
  sfuState: () => sfu.state(),
  showNetwork, // a test may show a reading as if measured
  get activeSpeaker() { return ui.activeSpeaker(); },
  async inbound() {
    const out = {};
    for (const [pid, { pc, live, sfu: viaSfu }] of peers) {
      const stats = await pc.getStats();
      const row = { video_frames: 0, audio_bytes: 0, sent_bytes: 0, state: pc.connectionState, standby: !live && !viaSfu };
      stats.forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "video") row.video_frames += s.framesDecoded || 0;
        if (s.type === "inbound-rtp" && s.kind === "audio") row.audio_bytes += s.bytesReceived || 0;
        if (s.type === "outbound-rtp") row.sent_bytes += s.bytesSent || 0;
      });
      out[pid] = row;
    }
    return out;
  },
};

openDevices();
