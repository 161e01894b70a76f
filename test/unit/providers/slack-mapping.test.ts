import { describe, expect, it } from 'vitest';
import {
  slack,
  slackTimeMs,
  SLACK_APP_MENTION,
  SLACK_DOCUMENT_MENTION,
  SLACK_EVENT_WRAPPER,
  SLACK_MESSAGE_CHANGED,
  SLACK_MESSAGE_DELETED,
  SLACK_URL_VERIFICATION,
} from '../../../lambdas/providers/slack';
import { thrownKind, webhookEvent } from '../../helpers/webhook-event';

const map = (body: unknown) => slack.webhook!.map(webhookEvent('slack', body, { eventId: 'Ev-fallback' }));
const input = (body: unknown) => ({ headers: {}, rawBody: JSON.stringify(body), body });

describe('slack mapping', () => {
  it('keys an app_mention by channel and message ts, versioned by its event_ts', () => {
    const [change] = map(SLACK_APP_MENTION);
    expect(change).toMatchObject({ type: 'message', key: 'C123ABC456/1515449522.000016', version: 1515449522000.016 });
    expect(change!.data.text).toBe('<@U0LAN0Z89> is it everything a river should be?');
  });

  it("maps Slack's full document_mention example the same way", () => {
    expect(map(SLACK_DOCUMENT_MENTION)[0]).toMatchObject({
      type: 'message',
      key: 'C012ABCDEFG/1716411280.657549',
      version: 1716411280657.549,
    });
  });

  it('lands an edit and a delete on the message they change, newer than the original', () => {
    const [edit] = map(SLACK_MESSAGE_CHANGED);
    expect(edit).toMatchObject({
      type: 'message',
      key: 'C123ABC456/1355517523.000005',
      data: { text: 'Hello, world!', edited: true },
    });
    expect(edit!.version).toBe(1358878755000.001);
    const [deleted] = map(SLACK_MESSAGE_DELETED);
    expect(deleted).toMatchObject({ type: 'message', key: 'C123ABC456/1358878749.000002', data: { deleted: true } });
  });

  it('keeps other events once each, by event id, versioned by event_time', () => {
    expect(map(SLACK_EVENT_WRAPPER)[0]).toMatchObject({
      type: 'event:name_of_event',
      key: 'Ev08MFMKH6',
      version: 1234567890123.456,
    });
    expect(slack.webhook!.eventId(input(SLACK_EVENT_WRAPPER))).toBe('Ev08MFMKH6');
    expect(slack.webhook!.eventTime!(input(SLACK_EVENT_WRAPPER))).toBe(1234567890 * 1000);
  });

  it('answers url_verification with its challenge as JSON, and nothing else', () => {
    const answer = slack.webhook!.handshake!(input(SLACK_URL_VERIFICATION));
    expect(answer).toEqual({
      statusCode: 200,
      body: JSON.stringify({ challenge: SLACK_URL_VERIFICATION.challenge }),
      headers: { 'content-type': 'application/json' },
    });
    expect(slack.webhook!.handshake!(input(SLACK_APP_MENTION))).toBeUndefined();
    expect(slack.webhook!.handshake!(input(null))).toBeUndefined();
    expect(map(SLACK_URL_VERIFICATION)).toEqual([]);
  });

  it('reads Slack times in every documented shape', () => {
    expect(slackTimeMs(1515449522)).toBe(1515449522000);
    expect(slackTimeMs(1515449522000016)).toBe(1515449522000.016);
    expect(slackTimeMs('1515449522.000016')).toBe(1515449522000.016);
    expect(slackTimeMs('soon')).toBeUndefined();
  });

  it('rejects what the Events API documents otherwise as invalid_payload', () => {
    expect(thrownKind(() => map({ type: 'event_callback', event: { type: 'message' } }))).toBe('invalid_payload');
    expect(thrownKind(() => map({ ...SLACK_APP_MENTION, event: { type: 'message', ts: '1.2' } }))).toBe(
      'invalid_payload',
    );
    expect(thrownKind(() => map('text'))).toBe('invalid_payload');
  });
});
