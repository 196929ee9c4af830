import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';

/** A SecureString value as it is exported: only KMS can unwrap the data key that decrypts it. */
export interface SealedValue {
  readonly algorithm: 'AES-256-GCM';
  /** The KMS key that wrapped the data key (an ARN, as KMS reports it). */
  readonly keyId: string;
  /** The data key encrypted by KMS (base64): `kms:Decrypt` with the same encryption context unwraps it. */
  readonly encryptedDataKey: string;
  readonly encryptionContext: Readonly<Record<string, string>>;
  readonly iv: string;
  readonly authTag: string;
  readonly ciphertext: string;
}

/**
 * Envelope encryption rather than `kms:Encrypt` on the value: Encrypt takes at most 4096 bytes, while
 * an advanced-tier parameter holds up to 8 KB. The encryption context binds the ciphertext to the
 * parameter's name, so an export cannot be passed off as another parameter's.
 */
export async function sealValue(
  kms: KMSClient,
  keyId: string,
  parameterName: string,
  plaintext: string,
): Promise<SealedValue> {
  const encryptionContext = { parameter: parameterName };
  const dataKey = await kms.send(
    new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext }),
  );
  if (!dataKey.Plaintext || !dataKey.CiphertextBlob) {
    throw new Error(`parameter-backup: KMS returned no data key for ${parameterName}`);
  }
  const key = Buffer.from(dataKey.Plaintext);
  try {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      algorithm: 'AES-256-GCM',
      keyId: dataKey.KeyId ?? keyId,
      encryptedDataKey: Buffer.from(dataKey.CiphertextBlob).toString('base64'),
      encryptionContext,
      iv: iv.toString('base64'),
      authTag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  } finally {
    key.fill(0);
    dataKey.Plaintext.fill(0);
  }
}

/**
 * The value {@link sealValue} sealed: KMS unwraps the data key (the caller needs `kms:Decrypt` on the
 * key, with the same encryption context), which decrypts and authenticates the value.
 */
export async function unsealValue(kms: KMSClient, sealed: SealedValue): Promise<string> {
  const dataKey = await kms.send(
    new DecryptCommand({
      CiphertextBlob: Buffer.from(sealed.encryptedDataKey, 'base64'),
      EncryptionContext: { ...sealed.encryptionContext },
      KeyId: sealed.keyId,
    }),
  );
  if (!dataKey.Plaintext) throw new Error(`KMS returned no data key for ${sealed.keyId}`);
  const key = Buffer.from(dataKey.Plaintext);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.authTag, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } finally {
    key.fill(0);
    dataKey.Plaintext.fill(0);
  }
}
