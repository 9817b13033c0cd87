import { expect } from 'chai';
import {
  CallbackParseError,
  parseAppEnvelope,
  parseAppMessage,
  parseBotEnvelope,
  parseBotMessage,
  stripLeadingMention,
} from '../../../src/wecom/callback-parse';
import { OFFICIAL_SAMPLE as S } from '../../fixtures/wecom/official-sample';
import {
  appCardClickXml,
  appEnterAgentXml,
  appEventXml,
  appImageXml,
  appTextXml,
  botCardClickJson,
  botEnterChatJson,
  botImageJson,
  botTextJson,
} from '../../helpers/wecom-signer';

const NOW = new Date('2026-05-11T02:00:00.000Z');
const T = Math.floor(NOW.getTime() / 1000);

function refused(fn: () => unknown): CallbackParseError {
  try {
    fn();
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(CallbackParseError);
    expect((err as CallbackParseError).status).to.equal(400);
    return err as CallbackParseError;
  }
  expect.fail('expected a CallbackParseError');
}

const reasonOf = (err: CallbackParseError): string => (err.detail as { reason: string }).reason;

describe('WeCom callback parsing (src/wecom/callback-parse.ts)', () => {
  describe('app envelope', () => {
    it("reads WeCom's official sample envelope", () => {
      expect(parseAppEnvelope(S.message.body)).to.deep.equal({ ToUserName: S.corpId, Encrypt: S.message.encrypt, AgentID: '1000002' });
    });

    it('refuses an envelope without Encrypt, or not XML', () => {
      expect(reasonOf(refused(() => parseAppEnvelope('<xml><ToUserName>a</ToUserName></xml>')))).to.equal('envelope_invalid');
      expect(reasonOf(refused(() => parseAppEnvelope('{"encrypt":"x"}')))).to.equal('xml_malformed');
      expect(reasonOf(refused(() => parseAppEnvelope('<xml><Encrypt>abc</xml>')))).to.equal('xml_malformed');
      expect(reasonOf(refused(() => parseAppEnvelope('')))).to.equal('xml_malformed');
    });
  });

  describe('XML hardening', () => {
    it('refuses billion laughs before parsing', () => {
      const bomb =
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><Encrypt>&lol3;</Encrypt></xml>';
      expect(reasonOf(refused(() => parseAppEnvelope(bomb)))).to.equal('xml_dtd_refused');
    });

    it('refuses XXE (external entity) and any DOCTYPE, whatever its case', () => {
      const xxe = '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Encrypt>&xxe;</Encrypt></xml>';
      expect(reasonOf(refused(() => parseAppEnvelope(xxe)))).to.equal('xml_dtd_refused');
      expect(reasonOf(refused(() => parseAppEnvelope('<!doctype xml><xml><Encrypt>a</Encrypt></xml>')))).to.equal('xml_dtd_refused');
      expect(reasonOf(refused(() => parseAppEnvelope('<xml><!ENTITY a "b"><Encrypt>a</Encrypt></xml>')))).to.equal('xml_dtd_refused');
    });

    it('leaves entity references unexpanded', () => {
      const event = parseAppMessage(appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: T }).replace('<![CDATA[x]]>', 'a&amp;b&#60;'));
      expect(event).to.include({ kind: 'text', text: 'a&amp;b&#60;' });
    });

    it('keeps "<!DOCTYPE" typed by a user inside CDATA as text', () => {
      const event = parseAppMessage(appTextXml({ from: 'lisi', content: '<!DOCTYPE html> 是什么', msgId: '2', createTime: T }));
      expect(event).to.include({ kind: 'text', text: '<!DOCTYPE html> 是什么' });
    });

    it('refuses deeply nested XML', () => {
      const deep = `<xml>${'<a>'.repeat(50)}x${'</a>'.repeat(50)}</xml>`;
      refused(() => parseAppEnvelope(deep));
    });
  });

  describe('app messages', () => {
    it("parses WeCom's official sample plaintext", () => {
      expect(parseAppMessage(S.message.plaintext)).to.deep.equal({
        channel: 'app',
        deliveryKey: '1456453720',
        from: 'ChenJiaShun',
        at: '2016-10-14T05:26:19.000Z',
        kind: 'text',
        text: '你好',
      });
    });

    it('keeps a 64-bit MsgId exactly, as a string', () => {
      const msgId = '7193715848394528797'; // > 2^53: as a number it would become ...528800
      const event = parseAppMessage(appTextXml({ from: 'lisi', content: '签收 12', msgId, createTime: T }));
      expect(event.deliveryKey).to.equal(msgId);
      expect(event).to.include({ kind: 'text', text: '签收 12', from: 'lisi', at: NOW.toISOString() });
    });

    it('keeps numeric-looking text as text', () => {
      const event = parseAppMessage(appTextXml({ from: 'lisi', content: '0012', msgId: '3', createTime: T }));
      expect(event).to.include({ text: '0012' });
    });

    it('parses an image with MediaId and PicUrl', () => {
      const event = parseAppMessage(appImageXml({ from: 'lisi', msgId: '4', mediaId: 'MEDIA_1', picUrl: 'https://p/1.jpg', createTime: T }));
      expect(event).to.deep.include({ kind: 'image', deliveryKey: '4', mediaId: 'MEDIA_1', url: 'https://p/1.jpg' });
    });

    it('parses a template card click with EventKey, TaskId and ResponseCode, keyed by sender and time', () => {
      const event = parseAppMessage(appCardClickXml({ from: 'wangwu', eventKey: 'accept:12', taskId: 'f12-1', responseCode: 'RC1', createTime: T }));
      expect(event).to.deep.include({ kind: 'card_click', from: 'wangwu', eventKey: 'accept:12', taskId: 'f12-1', responseCode: 'RC1' });
      expect(event.deliveryKey).to.equal(`wangwu|${T}|template_card_event|f12-1|accept:12`);
    });

    it('gives two clicks in the same second on different cards different keys, and a retry the same key', () => {
      const a = parseAppMessage(appCardClickXml({ from: 'wangwu', eventKey: 'accept:12', taskId: 'f12-1', createTime: T }));
      const b = parseAppMessage(appCardClickXml({ from: 'wangwu', eventKey: 'accept:13', taskId: 'f13-1', createTime: T }));
      const again = parseAppMessage(appCardClickXml({ from: 'wangwu', eventKey: 'accept:12', taskId: 'f12-1', createTime: T }));
      expect(a.deliveryKey).not.to.equal(b.deliveryKey);
      expect(again.deliveryKey).to.equal(a.deliveryKey);
    });

    it('hashes a long event key to fit 200 characters', () => {
      const event = parseAppMessage(appCardClickXml({ from: 'wangwu', eventKey: 'k'.repeat(500), taskId: 't', createTime: T }));
      expect(event.deliveryKey.length).to.be.at.most(200);
      expect(event.deliveryKey.startsWith(`wangwu|${T}|`)).to.equal(true);
    });

    it('parses enter_agent as enter, and other events as other', () => {
      expect(parseAppMessage(appEnterAgentXml({ from: 'lisi', createTime: T }))).to.include({ kind: 'enter', deliveryKey: `lisi|${T}|enter_agent||` });
      expect(parseAppMessage(appEventXml({ from: 'lisi', event: 'subscribe', createTime: T }))).to.include({ kind: 'other', type: 'event:subscribe' });
    });

    it('records other message types as other, keyed by MsgId', () => {
      const voice =
        `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>${T}</CreateTime>` +
        '<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>99</MsgId><AgentID>1</AgentID></xml>';
      expect(parseAppMessage(voice)).to.include({ kind: 'other', type: 'voice', deliveryKey: '99' });
    });

    it('refuses messages missing what they need', () => {
      refused(() => parseAppMessage(appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: T }).replace(/<MsgId>.*<\/MsgId>/, '')));
      refused(() => parseAppMessage(appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: T }).replace(/<FromUserName>.*<\/FromUserName>/, '')));
      refused(() => parseAppMessage(appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: T }).replace(/<Content>.*<\/Content>/, '')));
      refused(() => parseAppMessage(appTextXml({ from: 'lisi', content: 'x', msgId: 'abc', createTime: T })));
      refused(() => parseAppMessage(appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: T }).replace(`${T}`, 'yesterday')));
      refused(() => parseAppMessage(appCardClickXml({ from: 'lisi', eventKey: '', taskId: 't', createTime: T })));
      refused(() => parseAppMessage('<xml><MsgType>text</MsgType></xml>'));
      refused(() => parseAppMessage('just text'));
    });

    it('refuses a repeated tag rather than guessing', () => {
      const twice = appTextXml({ from: 'lisi', content: 'x', msgId: '1', createTime: T }).replace('<MsgId>1</MsgId>', '<MsgId>1</MsgId><MsgId>2</MsgId>');
      refused(() => parseAppMessage(twice));
    });

    it('refuses text longer than the event allows', () => {
      refused(() => parseAppMessage(appTextXml({ from: 'lisi', content: '长'.repeat(8001), msgId: '1', createTime: T })));
    });
  });

  describe('smart bot envelope', () => {
    it('reads {"encrypt": ...} and refuses anything else', () => {
      expect(parseBotEnvelope('{"encrypt":"abc"}')).to.deep.equal({ encrypt: 'abc' });
      expect(reasonOf(refused(() => parseBotEnvelope('{"Encrypt":"abc"}')))).to.equal('envelope_invalid');
      expect(reasonOf(refused(() => parseBotEnvelope('{"encrypt":')))).to.equal('json_malformed');
      expect(reasonOf(refused(() => parseBotEnvelope('[]')))).to.equal('envelope_invalid');
      expect(reasonOf(refused(() => parseBotEnvelope('<xml/>')))).to.equal('json_malformed');
    });
  });

  describe('smart bot messages', () => {
    it('parses a group text, strips the leading @mention, keeps chat and response_url', () => {
      const json = botTextJson({ msgid: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=', from: 'lisi', chatid: 'CHAT1', content: '东岭村 低保户房屋漏雨', mention: '回头看助手' });
      expect(parseBotMessage(JSON.stringify(json), { now: NOW })).to.deep.equal({
        channel: 'bot',
        deliveryKey: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
        from: 'lisi',
        at: NOW.toISOString(),
        chatId: 'CHAT1',
        chatType: 'group',
        responseUrl: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=TEST',
        kind: 'text',
        text: '东岭村 低保户房屋漏雨',
      });
    });

    it('parses the doc-101027 sample shape (as an object too)', () => {
      const doc = {
        msgid: 'CAIQ16HMjQYY\/NGagIOAgAMgq4KM0AI=',
        aibotid: 'AIBOTID',
        chatid: 'CHATID',
        chattype: 'group',
        from: { userid: 'USERID' },
        response_url: 'RESPONSEURL',
        msgtype: 'text',
        text: { content: '@RobotA hello robot' },
        quote: { msgtype: 'text', text: { content: '这是引用的消息' } },
      };
      expect(parseBotMessage(doc, { now: NOW })).to.include({ kind: 'text', text: 'hello robot', from: 'USERID' });
    });

    it('parses a 1:1 text as it is', () => {
      const event = parseBotMessage(botTextJson({ msgid: 'm2', from: 'lisi', content: '待办' }), { now: NOW });
      expect(event).to.include({ kind: 'text', text: '待办', chatType: 'single' });
      expect(event.chatId).to.equal(undefined);
    });

    it('parses an image with its url and aeskey', () => {
      const event = parseBotMessage(botImageJson({ msgid: 'm3', from: 'lisi', url: 'https://x/enc', aeskey: 'KEY' }), { now: NOW });
      expect(event).to.deep.include({ kind: 'image', url: 'https://x/enc', aesKey: 'KEY' });
    });

    it('parses a card click from event.template_card_event, with create_time', () => {
      const event = parseBotMessage(botCardClickJson({ msgid: 'm4', from: 'lisi', chatid: 'C', eventKey: 'accept:12', taskId: 'f12-1', createTime: T }), { now: new Date(0) });
      expect(event).to.deep.include({ kind: 'card_click', eventKey: 'accept:12', taskId: 'f12-1', deliveryKey: 'm4', at: NOW.toISOString() });
    });

    it('also takes event_key/task_id on the event itself (the long-connection SDK\'s shape)', () => {
      const flat = { msgid: 'm5', from: { userid: 'lisi' }, msgtype: 'event', event: { eventtype: 'template_card_event', event_key: 'k', task_id: 't' } };
      expect(parseBotMessage(flat, { now: NOW })).to.include({ kind: 'card_click', eventKey: 'k', taskId: 't' });
    });

    it('parses enter_chat as enter, and unknown events and types as other', () => {
      expect(parseBotMessage(botEnterChatJson({ msgid: 'm6', from: 'lisi' }), { now: NOW })).to.include({ kind: 'enter' });
      const feedback = { msgid: 'm7', from: { userid: 'lisi' }, msgtype: 'event', event: { eventtype: 'feedback_event' } };
      expect(parseBotMessage(feedback, { now: NOW })).to.include({ kind: 'other', type: 'event:feedback_event' });
      const file = { msgid: 'm8', from: { userid: 'lisi' }, msgtype: 'file', file: { url: 'u' } };
      expect(parseBotMessage(file, { now: NOW })).to.include({ kind: 'other', type: 'file' });
    });

    it('takes a voice message\'s transcription and a mixed message\'s text as text', () => {
      const voice = { msgid: 'm9', from: { userid: 'lisi' }, msgtype: 'voice', voice: { content: '签收十二号' } };
      expect(parseBotMessage(voice, { now: NOW })).to.include({ kind: 'text', text: '签收十二号' });
      const mixed = {
        msgid: 'm10',
        from: { userid: 'lisi' },
        chattype: 'group',
        msgtype: 'mixed',
        mixed: { msg_item: [{ msgtype: 'text', text: { content: '@助手 西岭村道路' } }, { msgtype: 'image', image: { url: 'u' } }, { msgtype: 'text', text: { content: '塌方' } }] },
      };
      expect(parseBotMessage(mixed, { now: NOW })).to.include({ kind: 'text', text: '西岭村道路\n塌方' });
      const picturesOnly = { msgid: 'm11', from: { userid: 'lisi' }, msgtype: 'mixed', mixed: { msg_item: [{ msgtype: 'image', image: { url: 'u1', aeskey: 'k1' } }, { msgtype: 'image', image: { url: 'u2' } }] } };
      expect(parseBotMessage(picturesOnly, { now: NOW })).to.include({ kind: 'image', url: 'u1', aesKey: 'k1' });
    });

    it('refuses malformed messages', () => {
      refused(() => parseBotMessage('{', { now: NOW }));
      refused(() => parseBotMessage({ msgid: 'x', msgtype: 'text', text: { content: 'a' } }, { now: NOW })); // no from
      refused(() => parseBotMessage({ msgid: 'x', from: { userid: 'u' }, msgtype: 'text' }, { now: NOW })); // no text
      refused(() => parseBotMessage({ msgid: 'x', from: { userid: 'u' }, chattype: 'channel', msgtype: 'text', text: { content: 'a' } }, { now: NOW }));
      refused(() => parseBotMessage({ msgid: 'x', from: { userid: 'u' }, msgtype: 'event', event: { eventtype: 'template_card_event', template_card_event: { task_id: 't' } } }, { now: NOW }));
      refused(() => parseBotMessage({ msgid: 12, from: { userid: 'u' }, msgtype: 'text', text: { content: 'a' } }, { now: NOW }));
      refused(() => parseBotMessage(null, { now: NOW }));
    });
  });

  describe('stripLeadingMention', () => {
    it('strips the bot name exactly when known, else a leading "@word" followed by a space', () => {
      expect(stripLeadingMention('@回头看 助手 签收 12', '回头看 助手')).to.equal('签收 12');
      expect(stripLeadingMention('@助手\u2005签收 12')).to.equal('签收 12');
      expect(stripLeadingMention('  @助手 签收 12')).to.equal('签收 12');
      expect(stripLeadingMention('签收 12 @张三')).to.equal('签收 12 @张三');
      expect(stripLeadingMention('@助手')).to.equal('@助手');
    });
  });
});
