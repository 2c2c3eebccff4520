// A stand-in for the first tutorial's Node server (plain `ws`, role dialect):
// JSON.parse and JSON.stringify on every message, the newest receiver gets
// the offer. Used only by BenchmarkRelayVsNode to compare in one run:
//   npm install ws@8 && node server.js 18090
const { WebSocketServer } = require('ws');
const port = Number(process.argv[2] || 8090);
const wss = new WebSocketServer({ port });
let sender = null;
let receiver = null;
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const msg = JSON.parse(data);
    switch (msg.type) {
      case 'sender': sender = ws; break;
      case 'receiver': receiver = ws; break;
      case 'createOffer': if (receiver) receiver.send(JSON.stringify({ type: 'createOffer', sdp: msg.sdp })); break;
      case 'createAnswer': if (sender) sender.send(JSON.stringify({ type: 'createAnswer', sdp: msg.sdp })); break;
      case 'iceCandidate': {
        const to = ws === sender ? receiver : sender;
        if (to) to.send(JSON.stringify({ type: 'iceCandidate', candidate: msg.candidate }));
        break;
      }
    }
  });
});
console.log('listening', port);
