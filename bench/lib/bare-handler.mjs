// The floor for the Lambda cold-start ratio: a handler that returns the service's `GET /` answer
// without any framework, so the difference to the real handler is what Hono, the adapter and the
// service's own start-up cost.
export const handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'text/plain; charset=UTF-8' },
  body: 'Hello, DevOps!',
  isBase64Encoded: false,
});
