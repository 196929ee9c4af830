import {
  CredentialsRejectedError,
  DatabaseUnavailableError,
  InvalidInputError,
  ReadOnlyEndpointError,
} from '../errors.ts';

/**
 * PostgreSQL's data exceptions (class 22, e.g. a document its JSON parser refuses) and limits on a
 * document's nesting (54001) are the client's fault; everything else means the database cannot serve,
 * and classes 28 and 25006 say why: it refused the credentials, or a write on a read-only endpoint. The driver's text of an outage names hosts, ports
 * and roles: it travels as the `cause` (for the operator's log), never in the message a client reads.
 */
export function classify(error: unknown): Error {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && (code.startsWith('22') || code === '54001')) {
    return new InvalidInputError(`the database refused the document: ${message}`);
  }
  if (typeof code === 'string' && code.startsWith('28')) {
    return new CredentialsRejectedError('the database rejected the credentials', { cause: error });
  }
  if (code === '25006') {
    return new ReadOnlyEndpointError('the database endpoint is read-only', { cause: error });
  }
  return new DatabaseUnavailableError('database unreachable', { cause: error });
}
