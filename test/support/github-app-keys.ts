import { generateKeyPairSync } from 'node:crypto';

/** A fresh RSA key pair for a test GitHub App: the public key for the stand-in, the private one for Slipway. */
export function appKeys(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
