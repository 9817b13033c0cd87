import { createCipheriv } from 'node:crypto';
import { expect } from 'chai';
import { CallbackCryptoError, createCallbackCrypto, parseEncodingAesKey } from '../../../src/wecom/callback-crypto';
import { OFFICIAL_SAMPLE as S } from '../../fixtures/wecom/official-sample';

const official = createCallbackCrypto({ token: S.token, encodingAesKey: S.encodingAesKey, receiveId: S.corpId });

/** Encrypts raw plaintext bytes with WeCom's key and IV, for padding cases the real encrypt never makes. */
function rawEncrypt(plain: Buffer): string {
  const { key, iv } = parseEncodingAesKey(S.encodingAesKey);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function framed(message: string, receiveId: string): Buffer {
  const msg = Buffer.from(message);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  return Buffer.concat([Buffer.alloc(16, 7), len, msg, Buffer.from(receiveId)]);
}

function failure(fn: () => unknown): CallbackCryptoError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(CallbackCryptoError);
    expect((err as CallbackCryptoError).status).to.equal(400);
    return err as CallbackCryptoError;
  }
  expect.fail('expected a CallbackCryptoError');
}

describe('WeCom callback crypto (src/wecom/callback-crypto.ts)', () => {
  describe("with WeCom's official sample values", () => {
    it('computes the published URL-verification signature and decrypts the echostr', () => {
      const v = S.verifyUrl;
      expect(official.signature(v.timestamp, v.nonce, v.echostr)).to.equal(v.msgSignature);
      expect(official.verify(v.msgSignature, v.timestamp, v.nonce, v.echostr)).to.equal(true);
      expect(official.decrypt(v.echostr)).to.equal(v.plaintext);
    });

    it('verifies and decrypts the published encrypted message', () => {
      const m = S.message;
      expect(official.verify(m.msgSignature, m.timestamp, m.nonce, m.encrypt)).to.equal(true);
      expect(official.decrypt(m.encrypt)).to.equal(m.plaintext);
    });

    it('encrypts so that WeCom\'s own sample decrypts back (round trip, 32-byte padding)', () => {
      const text = '东岭村 危房改造未完成，请尽快核实。'.repeat(3);
      const encrypted = official.encrypt(text);
      expect(Buffer.from(encrypted, 'base64').length % 32).to.equal(0);
      expect(official.decrypt(encrypted)).to.equal(text);
    });
  });

  describe('signature', () => {
    it('refuses a wrong signature, a changed timestamp, nonce or payload', () => {
      const m = S.message;
      expect(official.verify('0c3914025cb4b4d68103f6bfc8db550f79dcf48f', m.timestamp, m.nonce, m.encrypt)).to.equal(false);
      expect(official.verify(m.msgSignature, '1476422780', m.nonce, m.encrypt)).to.equal(false);
      expect(official.verify(m.msgSignature, m.timestamp, '1597212915', m.encrypt)).to.equal(false);
      expect(official.verify(m.msgSignature, m.timestamp, m.nonce, `${m.encrypt.slice(0, -4)}AAA=`)).to.equal(false);
    });

    it('refuses signatures of the wrong length or shape without throwing', () => {
      const m = S.message;
      expect(official.verify('', m.timestamp, m.nonce, m.encrypt)).to.equal(false);
      expect(official.verify(m.msgSignature.slice(0, 39), m.timestamp, m.nonce, m.encrypt)).to.equal(false);
      expect(official.verify(`${m.msgSignature}00`, m.timestamp, m.nonce, m.encrypt)).to.equal(false);
      expect(official.verify('签名'.repeat(10), m.timestamp, m.nonce, m.encrypt)).to.equal(false);
    });

    it('accepts the signature in upper case too (hex is hex)', () => {
      const m = S.message;
      expect(official.verify(m.msgSignature.toUpperCase(), m.timestamp, m.nonce, m.encrypt)).to.equal(true);
    });

    it('depends on the token', () => {
      const other = createCallbackCrypto({ token: 'another', encodingAesKey: S.encodingAesKey, receiveId: S.corpId });
      const m = S.message;
      expect(other.verify(m.msgSignature, m.timestamp, m.nonce, m.encrypt)).to.equal(false);
    });
  });

  describe('decrypt refuses, with a typed error', () => {
    it('a tampered ciphertext', () => {
      const bytes = Buffer.from(S.message.encrypt, 'base64');
      bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0x01; // second-to-last block: garbles the padding block
      const err = failure(() => official.decrypt(bytes.toString('base64')));
      expect(['bad_padding', 'bad_receive_id', 'bad_length']).to.include(err.reason);
    });

    it('a tampered first block (random bytes and length): the length no longer fits', () => {
      const bytes = Buffer.from(S.message.encrypt, 'base64');
      bytes[3] = (bytes[3] ?? 0) ^ 0x80; // flips a bit of the length field in the decrypted second block
      const err = failure(() => official.decrypt(bytes.toString('base64')));
      expect(['bad_length', 'bad_receive_id', 'bad_utf8']).to.include(err.reason);
    });

    it('bad padding: a pad byte of 0, of 33, or pad bytes that differ', () => {
      const body = framed('hi', S.corpId); // 16 + 4 + 2 + 18 = 40 bytes
      const zero = Buffer.concat([body, Buffer.alloc(24, 0)]);
      expect(failure(() => official.decrypt(rawEncrypt(zero))).reason).to.equal('bad_padding');
      const big = Buffer.concat([body, Buffer.alloc(24 + 32, 33)]);
      expect(failure(() => official.decrypt(rawEncrypt(big))).reason).to.equal('bad_padding');
      const uneven = Buffer.concat([body, Buffer.alloc(23, 5), Buffer.from([24])]);
      expect(failure(() => official.decrypt(rawEncrypt(uneven))).reason).to.equal('bad_padding');
    });

    it('padding to 16 instead of 32 is still well-formed PKCS#7 and is accepted', () => {
      // Some SDKs pad to 16; the bytes are unambiguous, so there is no reason to refuse them.
      const body = framed('hi', S.corpId); // 40 bytes -> pad 8 to 48
      expect(official.decrypt(rawEncrypt(Buffer.concat([body, Buffer.alloc(8, 8)])))).to.equal('hi');
    });

    it('a wrong receive id (another corp, or the smart bot\'s empty one)', () => {
      const forOther = createCallbackCrypto({ token: S.token, encodingAesKey: S.encodingAesKey, receiveId: 'wwsomeoneelse' });
      expect(failure(() => forOther.decrypt(S.message.encrypt)).reason).to.equal('bad_receive_id');
      const asBot = createCallbackCrypto({ token: S.token, encodingAesKey: S.encodingAesKey, receiveId: '' });
      expect(failure(() => asBot.decrypt(S.message.encrypt)).reason).to.equal('bad_receive_id');
      expect(failure(() => official.decrypt(asBot.encrypt('{"msgid":"x"}'))).reason).to.equal('bad_receive_id');
    });

    it('a length field that points past the end', () => {
      const body = framed('hello', S.corpId);
      body.writeUInt32BE(1000, 16);
      const padded = Buffer.concat([body, Buffer.alloc(64 - body.length, 64 - body.length)]);
      expect(failure(() => official.decrypt(rawEncrypt(padded))).reason).to.equal('bad_length');
    });

    it('a message that is not UTF-8', () => {
      const msg = Buffer.from([0xff, 0xfe, 0xfd]);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(msg.length);
      const body = Buffer.concat([Buffer.alloc(16), len, msg, Buffer.from(S.corpId)]);
      const pad = 32 - (body.length % 32);
      expect(failure(() => official.decrypt(rawEncrypt(Buffer.concat([body, Buffer.alloc(pad, pad)])))).reason).to.equal('bad_utf8');
    });

    it('input that is not base64, or not whole AES blocks', () => {
      expect(failure(() => official.decrypt('not base64!')).reason).to.equal('bad_base64');
      expect(failure(() => official.decrypt('')).reason).to.equal('bad_base64');
      expect(failure(() => official.decrypt('QUJD')).reason).to.equal('bad_block_length');
      expect(failure(() => official.decrypt(Buffer.alloc(40).toString('base64'))).reason).to.equal('bad_block_length');
    });
  });

  describe('configuration', () => {
    it('refuses an EncodingAESKey that is not 43 base64 characters', () => {
      expect(() => createCallbackCrypto({ token: 't', encodingAesKey: 'short', receiveId: '' })).to.throw(/43/);
      expect(() => createCallbackCrypto({ token: 't', encodingAesKey: `${S.encodingAesKey}=`, receiveId: '' })).to.throw(/43/);
    });

    it('refuses a random prefix that is not 16 bytes', () => {
      expect(() => official.encrypt('x', Buffer.alloc(8))).to.throw(/16/);
    });
  });
});
