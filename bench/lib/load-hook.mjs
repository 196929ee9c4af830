// Module hook (node:module register) that appends the path of every file Node loads to the file
// named at registration. It runs in the hooks thread, so it is registered only in the run that checks
// which chunks `GET /` loads, never in the timed cold starts.
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let logFile = '';

export function initialize(data) {
  logFile = data.logFile;
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:')) appendFileSync(logFile, `${fileURLToPath(url)}\n`);
  return nextLoad(url, context);
}
