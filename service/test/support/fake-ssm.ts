import { createServer, type IncomingHttpHeaders } from 'node:http';

/** A request the fake SSM endpoint received. */
export interface SsmRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: { Name?: string; WithDecryption?: boolean };
}

/** An SSM endpoint (AWS JSON 1.1 protocol) that knows a few SecureString parameters. */
export interface FakeSsm {
  readonly url: string;
  readonly requests: SsmRequest[];
  close(): Promise<void>;
}

export function startFakeSsm(parameters: Readonly<Record<string, string>>): Promise<FakeSsm> {
  const requests: SsmRequest[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => {
      raw += chunk;
    });
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as SsmRequest['body'];
      requests.push({ headers: req.headers, body });
      const value = body.Name === undefined ? undefined : parameters[body.Name];
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParameter' || value === undefined) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ParameterNotFound', message: `${body.Name} not found` }));
        return;
      }
      res.end(
        JSON.stringify({ Parameter: { Name: body.Name, Type: 'SecureString', Value: value, Version: 1 } }),
      );
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise((closed) => server.close(() => closed())),
      });
    });
  });
}
