// The user-path canary (CICD-11): what a user does with the service, walked on every engine of its
// region on a schedule: `GET /`, `POST /store` of a JSON object carrying a marker of its own, then the
// record read back by id and found in the list. One failed step fails the run; the run's SuccessPercent
// feeds the alarm that joins the region's release watch, so a release that breaks /store rolls back.
//
// Runtime: CloudWatch Synthetics syn-nodejs-4.1 (Node.js 22, no browser), which provides
// `@aws/synthetics-core`. CommonJS: the runtime loads `index.handler` with require().
// Endpoints: one environment variable per engine, ENDPOINT_<ENGINE>=<base URL>, resolved at deploy time.

const { synthetics } = require('@aws/synthetics-core');

const ROOT_TEXT = 'Hello, DevOps!';
const LIST_LIMIT = 100;

/** The engines to walk, from the environment, in a stable order; a canary with none is misconfigured. */
function endpoints(env) {
  const found = Object.entries(env)
    .filter(([name, value]) => name.startsWith('ENDPOINT_') && value)
    .map(([name, value]) => ({ engine: name.slice('ENDPOINT_'.length).toLowerCase(), base: new URL(value) }))
    .sort((a, b) => a.engine.localeCompare(b.engine));
  if (found.length === 0) throw new Error('no ENDPOINT_<ENGINE> variable is set: nothing to walk');
  return found;
}

/** Node request options for a path under the engine's base URL (which may carry a stage path). */
function request(base, method, path, body) {
  const prefix = base.pathname.replace(/\/$/, '');
  return {
    protocol: base.protocol,
    hostname: base.hostname,
    port: base.port || (base.protocol === 'https:' ? 443 : 80),
    path: `${prefix}${path}`,
    method,
    headers: {
      'user-agent': synthetics.getCanaryUserAgentString(),
      ...(body === undefined
        ? {}
        : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
    },
    ...(body === undefined ? {} : { body }),
  };
}

/** The response body as text; the 'data'/'end' events are what the runtime's response supports. */
function text(response) {
  return new Promise((resolve, reject) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk) => {
      body += chunk;
    });
    response.on('end', () => resolve(body));
    response.on('error', reject);
  });
}

/** Reads the body and fails unless the status is the one expected, quoting what the service said. */
async function expectStatus(response, status) {
  const body = await text(response);
  if (response.statusCode !== status) {
    throw new Error(`expected ${status}, got ${response.statusCode}: ${body.slice(0, 200)}`);
  }
  return body;
}

function json(body, what) {
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`${what} is not JSON: ${body.slice(0, 200)}`);
  }
}

/** The user's path on one engine; each request is a step named `<engine> <METHOD> <path>`. */
async function walk({ engine, base }) {
  const marker = `${synthetics.getCanaryName()}-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
  const document = JSON.stringify({ canary: marker, engine, at: new Date().toISOString() });
  let id;

  await synthetics.executeHttpStep(`${engine} GET /`, request(base, 'GET', '/'), async (response) => {
    const body = await expectStatus(response, 200);
    if (body !== ROOT_TEXT)
      throw new Error(`expected ${JSON.stringify(ROOT_TEXT)}, got ${body.slice(0, 200)}`);
  });

  await synthetics.executeHttpStep(
    `${engine} POST /store`,
    request(base, 'POST', '/store', document),
    async (response) => {
      const created = json(await expectStatus(response, 201), 'the created record');
      if (typeof created.id !== 'string') throw new Error(`no id in ${JSON.stringify(created)}`);
      id = created.id;
    },
  );

  await synthetics.executeHttpStep(
    `${engine} GET /store/{id}`,
    request(base, 'GET', `/store/${id}`),
    async (response) => {
      const record = json(await expectStatus(response, 200), `record ${id}`);
      if (record.canary !== marker) throw new Error(`record ${id} holds ${JSON.stringify(record)}, not ours`);
    },
  );

  await synthetics.executeHttpStep(
    `${engine} GET /store?limit=${LIST_LIMIT}`,
    request(base, 'GET', `/store?limit=${LIST_LIMIT}`),
    async (response) => {
      const { records } = json(await expectStatus(response, 200), 'the record list');
      const ours = Array.isArray(records) ? records.find((r) => r.id === id) : undefined;
      if (ours === undefined) throw new Error(`record ${id} is missing from the newest ${LIST_LIMIT}`);
      if (ours.data?.canary !== marker) throw new Error(`record ${id} is listed with other data`);
    },
  );
}

exports.handler = async () => {
  for (const endpoint of endpoints(process.env)) await walk(endpoint);
};
