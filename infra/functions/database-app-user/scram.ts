import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 7677 / RFC 5802), computed here so
 * that `ALTER ROLE … PASSWORD` carries the verifier, not the password: a statement log (`log_statement`)
 * or an error report then never contains the password itself. `psql`'s `\password` does the same.
 *
 * PostgreSQL normalises passwords with SASLprep, which leaves printable ASCII unchanged; the secret's
 * schema only accepts such passwords (what Secrets Manager generates), so no normalisation is needed.
 */
export function scramSha256Verifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const saltedPassword = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
