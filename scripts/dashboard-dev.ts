/**
 * `npm run dev:web`: the dashboard on the real `vigil serve --api`, over a throw-away store filled
 * with the test organisations (scripts/lib/case-data.ts). Prints the address and a token; runs
 * until Ctrl-C, then removes the store. After a change under web/, run `npm run build:web` and
 * reload the page. PORT=8080 picks the port (default: a free one).
 */
import { startDashboardServer } from './lib/dashboard-server.ts';

const server = await startDashboardServer({ port: Number(process.env['PORT'] ?? 0) });
process.stdout.write(`Dashboard: ${server.url}/\nToken:     ${server.token}\n(Ctrl-C stops it)\n`);
const stop = () => void server.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
