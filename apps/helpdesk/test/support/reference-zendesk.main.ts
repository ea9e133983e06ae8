// The reference Zendesk as a process, for scripts/demo (not for production: it keeps everything in memory).
//   REFERENCE_ZENDESK_EMAIL=… REFERENCE_ZENDESK_TOKEN=… [REFERENCE_ZENDESK_SIGNAL_URL=… REFERENCE_ZENDESK_SIGNAL_SECRET=…] \
//   node -r ./libs/bus/test/support/register-ts.js apps/helpdesk/test/support/reference-zendesk.main.ts --port 3410
import { parseArgs } from 'node:util';
import { ReferenceZendesk } from './reference-zendesk';

const { values } = parseArgs({ options: { port: { type: 'string', default: '3410' } } });
const env = process.env;
const email = env.REFERENCE_ZENDESK_EMAIL;
const apiToken = env.REFERENCE_ZENDESK_TOKEN;
if (!email || !apiToken) {
  process.stderr.write('reference Zendesk: set REFERENCE_ZENDESK_EMAIL and REFERENCE_ZENDESK_TOKEN\n');
  process.exit(78);
}
const server = new ReferenceZendesk({
  email, apiToken, port: Number(values.port),
  ...(env.REFERENCE_ZENDESK_SIGNAL_URL ? { signalUrl: env.REFERENCE_ZENDESK_SIGNAL_URL } : {}),
  ...(env.REFERENCE_ZENDESK_SIGNAL_SECRET ? { signalSecret: env.REFERENCE_ZENDESK_SIGNAL_SECRET } : {}),
  ...(env.REFERENCE_ZENDESK_EGRESS_SECRET ? { egressSecret: env.REFERENCE_ZENDESK_EGRESS_SECRET } : {}),
});
void server.start().then((url) => process.stdout.write(`reference Zendesk listening on ${url} (tickets: ${url}/_reference/tickets)\n`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void server.stop().then(() => process.exit(0)));
