// The room as drawn: tiles (the active speaker larger), sound levels, notices, the mediator's list
// of people, chat lines, the shared evidence and the drawer. It reads the room's state through
// `ctx` and sends nothing but what a button asks (room.js wires it; docs/signalling.md).

// ctx: {T, send, isMediator, me(), state(), localStream(), myName(), evidence(), closed()}
export function roomUi(ctx) {
  const { T, send } = ctx;
  const root = document.getElementById("room");
  const $ = (id) => document.getElementById(id);
  const IS_MEDIATOR = ctx.isMediator;
  const wide = window.matchMedia("(min-width: 900px)");
  let audioContext = null;
  const meters = new Map(); // element -> {analyser, source}
  let activePid = null; // the remote tile shown larger
  let challenger = { pid: null, ticks: 0 }; // who has been loudest lately, and for how long
  let unread = 0;
  let noticeIsError = false;

  // The meters' audio context: made with the devices, not in the join's busiest second.
  function prepareAudio() {
    audioContext = audioContext || new AudioContext();
  }

  function watchLevel(stream, element) {
    const track = stream.getAudioTracks()[0];
    if (!track) return;
    prepareAudio();
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
    const me = ctx.me();

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

  function showNotice(text, sticky = false, isError = false) {
    const box = $("notice");
    box.textContent = text;
    box.hidden = false;
    noticeIsError = isError;
    fitStage();
    if (!sticky) setTimeout(() => { if (!ctx.closed() && box.textContent === text) box.hidden = true; }, 6000);
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

  // ---------------------------------------------------------------- drawing the room
  function tileFor(pid, name) {
    const me = ctx.me();

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
    const state = ctx.state();

    const member = state && (state.members || []).find((m) => m.participant === pid);
    const tile = tileFor(pid, member ? member.name : "");
    const video = tile.querySelector("video");
    if (video.srcObject !== stream) {
      video.srcObject = stream;
      video.play().catch(() => {});
      afterFirstFrame(video, () => { if (video.srcObject === stream) watchLevel(stream, tile); });
    }
  }

  // What is not needed to see someone (their sound meter: an audio graph of its own) waits until
  // their first frame is shown, or FIRST_FRAME_WAIT_MS for a camera that is off: a join is the
  // busiest second of a page.
  const FIRST_FRAME_WAIT_MS = 1500;
  function afterFirstFrame(video, then) {
    let done = false;
    const once = () => { if (!done) { done = true; then(); } };
    setTimeout(once, FIRST_FRAME_WAIT_MS);
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(() => setTimeout(once, 0));
    else video.addEventListener("playing", once, { once: true });
  }

  function render() {
    const state = ctx.state();
    const me = ctx.me();
    const localStream = ctx.localStream();

    const you = state.you;
    $("precheck").hidden = true;
    // The pre-check's view of one's camera and its sound meter, hidden from here on, let go: a
    // hidden video still takes every frame of the camera it shows.
    $("preview").srcObject = null;
    stopLevel($("level"));
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
    const mine = tileFor(me, `${ctx.myName()} (${T.you})`);
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
    const state = ctx.state();

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
    const state = ctx.state();
    const evidence = ctx.evidence();

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
    const state = ctx.state();
    const me = ctx.me();

    const list = $("people");
    const waiting = state.members.filter((m) => m.state === "lobby").length;
    $("waiting").textContent = String(waiting);
    $("waiting").hidden = waiting === 0;
    $("admit-all").hidden = waiting === 0;
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
    const evidence = ctx.evidence();

    const select = $("evidence");
    if (!select) return;
    select.replaceChildren(...evidence.map((e) => {
      const option = document.createElement("option");
      option.value = e.id;
      option.textContent = e.name;
      return option;
    }));
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

  // Forget the room's drawing of a peer whose connection closed.
  function clearTile(pid) {
    const tile = document.querySelector(`.tile[data-participant="${pid}"] video`);
    if (tile) tile.srcObject = null;
  }

  function clearError() {
    if (noticeIsError) { $("notice").hidden = true; noticeIsError = false; }
  }

  function countUnread() {
    if ($("drawer").hidden) { unread += 1; $("unread").textContent = String(unread); $("unread").hidden = false; }
  }

  return {
    watchLevel, prepareAudio, resumeAudio: () => audioContext && audioContext.resume(), showNotice, clearError, fitStage,
    attachStream, clearTile, render, addLine, fillEvidence, openDrawer, countUnread,
    wide: () => wide.matches, activeSpeaker: () => activePid,
  };
}
