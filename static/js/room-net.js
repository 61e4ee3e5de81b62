// How good the link to the others is, from RTCPeerConnection statistics: the round-trip time of
// the connection in use and the share of packets lost since the last look. room.js asks every few
// seconds and offers sound only when the link stays poor.

const POOR = { rtt: 0.5, loss: 0.08 };
const FAIR = { rtt: 0.25, loss: 0.03 };

export function classify({ rtt, loss }) {
  if (rtt >= POOR.rtt || loss >= POOR.loss) return "poor";
  if (rtt >= FAIR.rtt || loss >= FAIR.loss) return "fair";
  return "good";
}

// peers: Map of id -> {pc, net?}; each entry keeps its previous counters in entry.net.
export async function measure(peers) {
  let rtt = 0;
  let lost = 0;
  let received = 0;
  let measured = false;
  for (const entry of peers.values()) {
    if (entry.pc.connectionState !== "connected") continue;
    const stats = await entry.pc.getStats();
    let totalLost = 0;
    let totalReceived = 0;
    stats.forEach((s) => {
      if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded" && typeof s.currentRoundTripTime === "number") {
        rtt = Math.max(rtt, s.currentRoundTripTime);
      }
      if (s.type === "remote-inbound-rtp" && typeof s.roundTripTime === "number") rtt = Math.max(rtt, s.roundTripTime);
      if (s.type === "inbound-rtp") {
        totalLost += Math.max(0, s.packetsLost || 0);
        totalReceived += s.packetsReceived || 0;
      }
    });
    const before = entry.net || { lost: totalLost, received: totalReceived };
    lost += Math.max(0, totalLost - before.lost);
    received += Math.max(0, totalReceived - before.received);
    entry.net = { lost: totalLost, received: totalReceived };
    measured = true;
  }
  if (!measured) return null;
  const loss = lost + received > 0 ? lost / (lost + received) : 0;
  return { rtt, loss, quality: classify({ rtt, loss }) };
}
