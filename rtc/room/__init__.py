"""The live room: the signalling envelope, the rooms this process holds, what each message does,
sockets relayed between processes, and the ways in (guests' links, the room page, the WebSocket).
Who may exchange media with whom is pure and lives in ``rtc.rooms``."""
