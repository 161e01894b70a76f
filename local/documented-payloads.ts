/**
 * Providers' documented example payloads, for tests, simulators and `ops send`. Verbatim where a doc page
 * gives a whole one; where it is abridged or assembled from two documented parts, the comment says so.
 * Fixtures that stand for real providers are real: never edit these to make a mapping pass.
 */

/** Stripe, "The Event object" example (docs.stripe.com/api/events/object). */
export const STRIPE_SETUP_INTENT_CREATED = {
  id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
  object: 'event',
  api_version: '2019-02-19',
  created: 1686089970,
  data: {
    object: {
      id: 'seti_1NG8Du2eZvKYlo2C9XMqbR0x',
      object: 'setup_intent',
      application: null,
      automatic_payment_methods: null,
      cancellation_reason: null,
      client_secret: 'seti_1NG8Du2eZvKYlo2C9XMqbR0x_secret_O2CdhLwGFh2Aej7bCY7qp8jlIuyR8DJ',
      created: 1686089970,
      customer: null,
      description: null,
      flow_directions: null,
      last_setup_error: null,
      latest_attempt: null,
      livemode: false,
      mandate: null,
      metadata: {},
      next_action: null,
      on_behalf_of: null,
      payment_method: 'pm_1NG8Du2eZvKYlo2CYzzldNr7',
      payment_method_options: {
        acss_debit: {
          currency: 'cad',
          mandate_options: {
            interval_description: 'First day of every month',
            payment_schedule: 'interval',
            transaction_type: 'personal',
          },
          verification_method: 'automatic',
        },
      },
      payment_method_types: ['acss_debit'],
      single_use_mandate: null,
      status: 'requires_confirmation',
      usage: 'off_session',
    },
  },
  livemode: false,
  pending_webhooks: 0,
  request: { id: null, idempotency_key: null },
  type: 'setup_intent.created',
};

/** Slack, the Events API wrapper example (docs.slack.dev/reference/objects/event-object). */
export const SLACK_EVENT_WRAPPER = {
  token: 'XXYYZZ',
  team_id: 'TXXXXXXXX',
  api_app_id: 'AXXXXXXXXX',
  event: { type: 'name_of_event', event_ts: '1234567890.123456', user: 'UXXXXXXX1' },
  type: 'event_callback',
  authed_users: ['UXXXXXXX1', 'UXXXXXXX2'],
  event_id: 'Ev08MFMKH6',
  event_time: 1234567890,
};

/** Slack, the `app_mention` event (api.slack.com/events/app_mention) inside the wrapper example above. */
export const SLACK_APP_MENTION = {
  ...SLACK_EVENT_WRAPPER,
  event: {
    type: 'app_mention',
    user: 'U061F7AUR',
    text: '<@U0LAN0Z89> is it everything a river should be?',
    ts: '1515449522.000016',
    channel: 'C123ABC456',
    event_ts: '1515449522000016',
  },
};

/** Slack, the `document_mention` example with its full wrapper (docs.slack.dev/reference/events/message/document_mention). */
export const SLACK_DOCUMENT_MENTION = {
  token: 'XXYYZZ',
  team_id: 'T123ABC456',
  api_app_id: 'A123ABC456',
  event: {
    user: 'UA1BCD3EF',
    subtype: 'document_mention',
    document_mention: {
      file_id: 'F123ABCDEFG',
      section_id: 'temp:C:GQL71204e5bd23942c79f0a22a51',
      mentioning_user_ids: ['UA1BCD3EF'],
    },
    type: 'app_mention',
    ts: '1716411280.657549',
    text: '<@U123456ABC7> was mentioned in a canvas',
    team: 'T1ABC2DE3',
    blocks: [
      { type: 'section', block_id: 'gcn3v', text: { type: 'mrkdwn', text: '>>>Hey <@U123456ABC7>', verbatim: false } },
    ],
    channel: 'C012ABCDEFG',
    event_ts: '1716411280.657549',
  },
  type: 'event_callback',
  authed_users: ['U123ABC456', 'U222222222'],
  event_id: 'Ev123ABC456',
  event_time: 123456789,
};

/** Slack, the `message_changed` event (api.slack.com/events/message/message_changed) inside the wrapper example. */
export const SLACK_MESSAGE_CHANGED = {
  ...SLACK_EVENT_WRAPPER,
  event: {
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel: 'C123ABC456',
    ts: '1358878755.000001',
    message: {
      type: 'message',
      user: 'U123ABC456',
      text: 'Hello, world!',
      ts: '1355517523.000005',
      edited: { user: 'U123ABC456', ts: '1358878755.000001' },
    },
  },
};

/** Slack, the `message_deleted` event (api.slack.com/events/message/message_deleted) inside the wrapper example. */
export const SLACK_MESSAGE_DELETED = {
  ...SLACK_EVENT_WRAPPER,
  event: {
    type: 'message',
    subtype: 'message_deleted',
    hidden: true,
    channel: 'C123ABC456',
    ts: '1358878755.000001',
    deleted_ts: '1358878749.000002',
  },
};

/** Slack, the `url_verification` request (api.slack.com/events/url_verification). */
export const SLACK_URL_VERIFICATION = {
  token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
  challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
  type: 'url_verification',
};

/** Shopify, the delivery headers' documented example values (shopify.dev/docs/apps/build/webhooks/subscribe/https). */
export const SHOPIFY_HEADERS = {
  'x-shopify-topic': 'orders/create',
  'x-shopify-shop-domain': 'johns-apparel.myshopify.com',
  'x-shopify-api-version': '2026-04',
  'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
  'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
  'x-shopify-triggered-at': '2023-03-29T18:00:27.877041743Z',
};

/**
 * Shopify, the `orders/create` sample payload (shopify.dev/docs/api/webhooks, topic orders/create),
 * abridged: the order's own fields, one line item, no addresses. Raw text, because its ids exceed 2^53.
 */
export const SHOPIFY_ORDERS_CREATE_RAW =
  '{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508","app_id":null,"browser_ip":null,' +
  '"buyer_accepts_marketing":true,"cancel_reason":"customer","cancelled_at":"2021-12-31T19:00:00-05:00","cart_token":null,' +
  '"checkout_id":null,"checkout_token":null,"closed_at":null,"confirmed":false,"contact_email":"jon@example.com",' +
  '"created_at":"2021-12-31T19:00:00-05:00","currency":"USD","email":"jon@example.com","financial_status":"voided",' +
  '"fulfillment_status":"pending","name":"#9999","order_number":1234,"processed_at":"2021-12-31T19:00:00-05:00",' +
  '"subtotal_price":"369.97","tags":"tag1, tag2","test":true,"total_price":"403.00","total_tax":"0.00",' +
  '"updated_at":"2021-12-31T19:00:00-05:00",' +
  '"line_items":[{"id":866550311766439020,"admin_graphql_api_id":"gid://shopify/LineItem/866550311766439020","name":"IPod Nano - 8GB",' +
  '"price":"199.00","product_id":632910392,"quantity":1,"sku":"IPOD2008BLACK","title":"IPod Nano - 8GB","variant_id":808950810}]}';

/** Shopify, the `orders/delete` sample payload (shopify.dev/docs/api/webhooks, topic orders/delete). */
export const SHOPIFY_ORDERS_DELETE_RAW = '{"id":820982911946154508}';

/** Trello, the example webhook request body (Trello developer docs, "Triggering Webhooks"). */
export const TRELLO_VOTE_ON_CARD = {
  action: {
    id: '51f9424bcd6e040f3c002412',
    idMemberCreator: '4fc78a59a885233f4b349bd9',
    data: {
      board: { name: 'Trello Development', id: '4d5ea62fd76aa1136000000c' },
      card: { idShort: 1458, name: 'Webhooks', id: '51a79e72dbb7e23c7c003778' },
      voted: true,
    },
    type: 'voteOnCard',
    date: '2013-07-31T16:58:51.949Z',
    memberCreator: {
      id: '4fc78a59a885233f4b349bd9',
      avatarHash: '2da34d23b5f1ac1a20e2a01157bfa9fe',
      fullName: 'Doug Patti',
      initials: 'DP',
      username: 'doug',
    },
  },
  model: {
    id: '4d5ea62fd76aa1136000000c',
    name: 'Trello Development',
    desc: 'Trello board used by the Trello team to track work on Trello.  How meta!\n\nThe development of the Trello API is being tracked at https://trello.com/api\n\nThe development of Trello Mobile applications is being tracked at https://trello.com/mobile',
    closed: false,
    idOrganization: '4e1452614e4b8698470000e0',
    pinned: true,
    url: 'https://trello.com/b/nC8QJJoZ/trello-development',
    prefs: {
      permissionLevel: 'public',
      voting: 'public',
      comments: 'public',
      invitations: 'members',
      selfJoin: false,
      cardCovers: true,
      canBePublic: false,
      canBeOrg: false,
      canBePrivate: false,
      canInvite: true,
    },
    labelNames: {
      yellow: 'Infrastructure',
      red: 'Bug',
      purple: "Repro'd",
      orange: 'Feature',
      green: 'Mobile',
      blue: 'Verified',
    },
  },
};

/** Trello, the docs' example callbackURL (webhook creation). */
export const TRELLO_CALLBACK_URL = 'https://mycallback.com/trelloCallbacks/?memberID=14&mainModel=true';

/** Standard Webhooks spec, the "full payload" example (spec/standard-webhooks.md, "Thin vs full payloads"). */
export const STANDARD_CONTACT_CREATED = {
  type: 'contact.created',
  timestamp: '2022-11-03T20:26:10.344522Z',
  data: {
    id: '1f81eb52-5198-4599-803e-771906343485',
    type: 'contact',
    fullName: 'John Smith',
    address: '800 W NASA Pkwy, Webster, TX 77598, USA',
    phoneNumber: '(281) 332-2575',
    birthday: '1980-04-19',
    occupation: 'Engineer, ACME',
  },
};

/** Standard Webhooks spec, the "example payload" (spec/standard-webhooks.md, "Payload structure"). */
export const STANDARD_EXAMPLE_EVENT = {
  type: 'example.event',
  timestamp: '2022-11-03T20:26:10.344522Z',
  data: { foo: 'bar', fizzbuzz: 2 },
};

/** Standard Webhooks spec, the example `webhook-id` (spec/standard-webhooks.md, "Webhook headers"). */
export const STANDARD_MESSAGE_ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
