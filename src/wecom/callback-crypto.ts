import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';
import { encrypt as wecomEncrypt } from '@wecom/crypto';
import { AppError } from '../errors';

/**
 * WeCom callback crypto (doc 91144, smart bot 101033): SHA-1 signature over the sorted
 * [token, timestamp, nonce, encrypt], and AES-256-CBC with PKCS#7 padding to 32 bytes over
 * `16 random | 4-byte BE length | message | receiveId`.
 *
 * @wecom/crypto does the padding right (32-byte blocks) and is used for encrypting, but its
 * decrypt accepts any padding and returns the receive id unchecked, so decryption is ours.
 */

export interface CallbackCryptoConfig {
  token: string;
  /** 43 characters, from the WeCom admin console. */
  encodingAesKey: string;
  /** CorpID for a self-built app, '' for a smart bot. */
  receiveId: string;
}

export interface CallbackCrypto {
  signature(timestamp: string, nonce: string, encrypt: string): string;
  /** Constant-time comparison with the expected signature. */
  verify(msgSignature: string, timestamp: string, nonce: string, encrypt: string): boolean;
  /** Throws CallbackCryptoError when the ciphertext, its padding or its receive id is wrong. */
  decrypt(encrypt: string): string;
  encrypt(message: string, random?: Buffer): string;
}

export type CallbackCryptoFailure =
  | 'bad_base64'
  | 'bad_block_length'
  | 'bad_padding'
  | 'bad_length'
  | 'bad_receive_id'
  | 'bad_utf8';

/** A callback body that does not decrypt: a 400 at the route, with the reason in the logs only. */
export class CallbackCryptoError extends AppError {
  constructor(readonly reason: CallbackCryptoFailure) {
    super('bad_request', '回调消息解密失败', { reason });
    this.name = 'CallbackCryptoError';
  }
}

const BLOCK = 32; // WeCom pads to 32 bytes, not AES's 16
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes the EncodingAESKey; a bad one is a configuration error, reported at start-up. */
export function parseEncodingAesKey(encodingAesKey: string): { key: Buffer; iv: Buffer } {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) {
    throw new Error('EncodingAESKey must be 43 base64 characters');
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey does not decode to 32 bytes');
  return { key, iv: key.subarray(0, 16) };
}

export function createCallbackCrypto(config: CallbackCryptoConfig): CallbackCrypto {
  const { key, iv } = parseEncodingAesKey(config.encodingAesKey);
  const expectedReceiveId = Buffer.from(config.receiveId, 'utf8');

  const signature = (timestamp: string, nonce: string, encrypt: string): string =>
    createHash('sha1').update([config.token, timestamp, nonce, encrypt].sort().join('')).digest('hex');

  return {
    signature,

    verify(msgSignature, timestamp, nonce, encrypt) {
      const expected = Buffer.from(signature(timestamp, nonce, encrypt), 'utf8');
      const given = Buffer.from(msgSignature.toLowerCase(), 'utf8');
      // The length of a SHA-1 hex digest is public, so an early return on length leaks nothing.
      return given.length === expected.length && timingSafeEqual(given, expected);
    },

    decrypt(encrypt) {
      if (encrypt.length % 4 !== 0 || !BASE64.test(encrypt)) throw new CallbackCryptoError('bad_base64');
      const cipherText = Buffer.from(encrypt, 'base64');
      // At least one 32-byte block: 16 random + 4 length bytes + padding.
      if (cipherText.length < BLOCK || cipherText.length % 16 !== 0) throw new CallbackCryptoError('bad_block_length');

      const decipher = createDecipheriv('aes-256-cbc', key, iv);
      decipher.setAutoPadding(false); // Node's PKCS#7 expects 16-byte blocks and fails on real data
      const padded = Buffer.concat([decipher.update(cipherText), decipher.final()]);

      const pad = padded[padded.length - 1] ?? 0;
      if (pad < 1 || pad > BLOCK || pad > padded.length) throw new CallbackCryptoError('bad_padding');
      for (let i = padded.length - pad; i < padded.length; i++) {
        if (padded[i] !== pad) throw new CallbackCryptoError('bad_padding');
      }
      const plain = padded.subarray(0, padded.length - pad);

      if (plain.length < 20) throw new CallbackCryptoError('bad_length');
      const messageLength = plain.readUInt32BE(16);
      if (20 + messageLength > plain.length) throw new CallbackCryptoError('bad_length');
      const receiveId = plain.subarray(20 + messageLength);
      if (!receiveId.equals(expectedReceiveId)) throw new CallbackCryptoError('bad_receive_id');

      try {
        return strictUtf8.decode(plain.subarray(20, 20 + messageLength));
      } catch {
        throw new CallbackCryptoError('bad_utf8');
      }
    },

    encrypt(message, random) {
      if (random && random.length !== 16) throw new Error('random must be 16 bytes');
      return wecomEncrypt(config.encodingAesKey, message, config.receiveId, random);
    },
  };
}
