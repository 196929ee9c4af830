// The recovery account's AWS clients the account-loss runbook works with, and how their failures read.
import { BackupClient } from '@aws-sdk/client-backup';
import { ECRClient, paginateDescribeImages } from '@aws-sdk/client-ecr';
import { KMSClient } from '@aws-sdk/client-kms';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { regionalClients } from '../lib/regional-clients.ts';

/** One image of a repository as ECR's DescribeImages reports it (the fields the runbook reads). */
export interface RegistryImage {
  readonly imageTags?: readonly string[];
  readonly imagePushedAt?: Date;
}

/** ECR's DescribeImages, every page, of one repository in one region of the recovery account. */
export type DescribeImages = (region: string, repositoryName: string) => Promise<readonly RegistryImage[]>;

/** The recovery account's clients, by region; the tests hand in mocked ones. */
export interface RecoverClients {
  backup(region: string): BackupClient;
  s3(region: string): S3Client;
  kms(region: string): KMSClient;
  ssm(region: string): SSMClient;
  /** Route 53 is global. */
  route53(): Route53Client;
  /** The replicated registry's images. */
  readonly describeImages: DescribeImages;
}

/** A failure the operator can act on; the message says what failed and what to do. */
export class RecoverError extends Error {
  override name = 'RecoverError';
}

const DENIED = /AccessDenied|UnauthorizedOperation|not authorized|Forbidden/i;

/** The error name AWS gives (`AccessDeniedException`, `NoSuchKey`, …), or ''. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/**
 * Runs one AWS call; its failure becomes a sentence naming the call and the region, and for a refusal the
 * permission the recovery account's credentials lack.
 */
export async function call<T>(action: string, region: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof RecoverError) throw error;
    const name = errorName(error);
    const message = error instanceof Error ? error.message : String(error);
    if (DENIED.test(name) || DENIED.test(message))
      throw new RecoverError(
        `access denied: ${action} in ${region} was refused (${message}). The recovery account's credentials (--recovery-profile) need ${action}.`,
      );
    throw new RecoverError(`${action} in ${region} failed: ${name === '' ? '' : `${name}: `}${message}`);
  }
}

/** Real clients of the recovery account, one per service and region. */
export function awsRecoverClients(credentials: object): RecoverClients {
  const client = regionalClients(credentials);
  return {
    backup: (region) => client(BackupClient, 'backup', region),
    s3: (region) => client(S3Client, 's3', region),
    kms: (region) => client(KMSClient, 'kms', region),
    ssm: (region) => client(SSMClient, 'ssm', region),
    route53: () => client(Route53Client, 'route53', 'us-east-1'),
    describeImages: async (region, repositoryName) => {
      const images: RegistryImage[] = [];
      const pages = paginateDescribeImages({ client: client(ECRClient, 'ecr', region) }, { repositoryName });
      for await (const page of pages) images.push(...(page.imageDetails ?? []));
      return images;
    },
  };
}
