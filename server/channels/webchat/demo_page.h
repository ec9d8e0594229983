#pragma once
// A minimal customer chat page for /webchat/ (for demos and manual tests):
// pick a campaign id, start, chat. It speaks the /webchat/v1 protocol.
namespace contactd::channels {

inline constexpr const char* kWebChatDemoPage = R"__html__(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>contactd WebChat</title>
<style>
 body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
 #log{border:1px solid #ccc;height:20rem;overflow-y:auto;padding:.5rem;margin:.5rem 0}
 .customer{text-align:right;color:#225}.agent,.bot{color:#252}.note{color:#777;font-style:italic}
 input{padding:.4rem}
</style></head><body>
<h1>Chat with us</h1>
<p>Campaign id <input id="campaign" size="4" value="1"> <button id="start" disabled>Start</button>
 <button id="leave" disabled>Leave</button></p>
<div id="log"></div>
<form id="form"><input id="text" size="40" placeholder="Type a message" disabled> <button disabled id="send">Send</button></form>
<script>
const log = document.getElementById('log');
function show(cls, who, text) {
  const p = document.createElement('p'); p.className = cls;
  p.textContent = who ? who + ': ' + text : text; log.appendChild(p); log.scrollTop = log.scrollHeight;
}
// The conversation survives reloads and dropped connections: the token from
// "started" is kept in sessionStorage and sent as "resume" on reconnect.
let ws;
function connect() {
  ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/webchat/v1');
  ws.onopen = () => {
    const token = sessionStorage.getItem('contactd-token');
    if (token) ws.send(JSON.stringify({type: 'resume', token}));
    else document.getElementById('start').disabled = false;
  };
  ws.onmessage = (m) => {
    const f = JSON.parse(m.data);
    if (f.type === 'started') {
      sessionStorage.setItem('contactd-token', f.token);
      show('note', '', 'Connected (conversation ' + f.interaction + '). An agent will be with you shortly.'); chatting(true);
    } else if (f.type === 'resumed') { show('note', '', 'Reconnected.'); chatting(true); }
    else if (f.type === 'message') show(f.from, f.name, f.text);
    else if (f.type === 'ended') { sessionStorage.removeItem('contactd-token'); show('note', '', 'The conversation has ended.'); chatting(false); }
    else if (f.type === 'error') {
      if (f.code === 'not_found') { sessionStorage.removeItem('contactd-token'); chatting(false); }
      show('note', '', 'Error: ' + f.message);
    }
  };
  ws.onclose = () => {
    chatting(false); document.getElementById('start').disabled = true;
    if (sessionStorage.getItem('contactd-token')) { show('note', '', 'Connection lost, reconnecting…'); setTimeout(connect, 2000); }
    else show('note', '', 'Disconnected.');
  };
}
function chatting(on) {
  for (const id of ['text', 'send', 'leave']) document.getElementById(id).disabled = !on;
  document.getElementById('start').disabled = on;
}
connect();
document.getElementById('start').onclick = () =>
  ws.send(JSON.stringify({type: 'start', campaign: parseInt(document.getElementById('campaign').value, 10)}));
document.getElementById('leave').onclick = () => {
  sessionStorage.removeItem('contactd-token'); ws.send(JSON.stringify({type: 'leave'}));
};
document.getElementById('form').onsubmit = (e) => {
  e.preventDefault();
  const t = document.getElementById('text');
  if (!t.value.trim()) return;
  ws.send(JSON.stringify({type: 'message', text: t.value})); show('customer', 'You', t.value); t.value = '';
};
</script></body></html>
)__html__";

}  // namespace contactd::channels
