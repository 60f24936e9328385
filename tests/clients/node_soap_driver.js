// Round trip with node-soap (npm `soap`), as a vendor's Node adapter would call debitorsim.
//
// Usage: node node_soap_driver.js plan.json  (NODE_PATH must reach the `soap` package)
// plan.json: {"calls": [{"wsdl", "operation", "args", "headers": {"InvocationContext": {...},
// "AuthorityContext": {...}}}]}. Prints one JSON line: [{"operation", "result"} or
// {"operation", "fault"}] in plan order. Each header block is built from the WSDL: the
// element named by its soap:header message part, in the namespace the WSDL declares for it.
'use strict';
const fs = require('fs');
const soap = require('soap');

function escape(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function headerQName(client, part) {
  const defs = client.wsdl.definitions;
  const message = defs.messages[part];
  if (!message) throw new Error(`the WSDL declares no header message ${part}`);
  const ref = message.children.find((c) => c.name === 'part').$element;
  const [prefix, local] = ref.split(':');
  return { local, namespace: defs.xmlns[prefix] };
}

function headerXml(client, part, fields) {
  const { local, namespace } = headerQName(client, part);
  const children = Object.entries(fields)
    .map(([name, value]) => `<h:${name}>${escape(value)}</h:${name}>`)
    .join('');
  return `<h:${local} xmlns:h="${namespace}">${children}</h:${local}>`;
}

async function call(clients, step) {
  if (!clients[step.wsdl]) clients[step.wsdl] = await soap.createClientAsync(step.wsdl);
  const client = clients[step.wsdl];
  client.clearSoapHeaders();
  for (const [part, fields] of Object.entries(step.headers)) {
    client.addSoapHeader(headerXml(client, part, fields));
  }
  try {
    const [result] = await client[`${step.operation}Async`](step.args);
    return { operation: step.operation, result };
  } catch (err) {
    const body = err.body || String(err);
    return { operation: step.operation, fault: body.slice(0, 2000) };
  }
}

(async () => {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const clients = {};
  const out = [];
  for (const step of plan.calls) out.push(await call(clients, step));
  process.stdout.write(JSON.stringify(out) + '\n');
})().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(2);
});
