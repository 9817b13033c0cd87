/**
 * Builds WeCom callbacks the way WeCom does, for the receiver tests and the intake tests. The
 * builders live in src/wecom/callback-signer.ts (the simulator uses them at run time); this file
 * adds the test credentials.
 */
export * from '../../src/wecom/callback-signer';

/** A test corp, app and smart bot with valid (made-up) credentials. */
export const TEST_APP = {
  token: 'yaocunTestToken',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  corpId: 'wwyaocun0000000001',
} as const;
export const TEST_BOT = {
  token: 'yaocunBotToken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
} as const;

export { OFFICIAL_SAMPLE } from '../fixtures/wecom/official-sample';
