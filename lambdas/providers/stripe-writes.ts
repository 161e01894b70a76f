import * as z from 'zod/mini';
import { refSchema } from '../core/writes/command';
import { writeOperation, type Call, type WritesSpec } from '../core/writes/types';
import { pick, pickString } from './payload';

/**
 * Metadata key that carries our id on every customer we write, as Stripe suggests for reconciling
 * (docs.stripe.com/error-low-level).
 */
export const STRIPE_REF_METADATA = 'integration_ref';

// Customer parameters and limits: https://docs.stripe.com/api/customers/create
const metadata = z.record(z.string().check(z.regex(/^[^[\]]{1,40}$/)), z.string().check(z.maxLength(500)));
const customerFields = {
  email: z.optional(z.email().check(z.maxLength(512))),
  name: z.optional(z.string().check(z.maxLength(256))),
  description: z.optional(z.string().check(z.maxLength(5000))),
  phone: z.optional(z.string().check(z.maxLength(20))),
  metadata: z.optional(metadata),
};
const createInput = z.strictObject({ ref: refSchema, ...customerFields });
const updateInput = z
  .strictObject({ ref: refSchema, ...customerFields })
  .check(z.refine((v) => Object.keys(v).length > 1, { message: 'nothing to update' }));
type CustomerInput = z.infer<typeof createInput>;

/** Stripe's form encoding: nested fields as `metadata[key]`; our id always in the metadata. */
function customerForm(input: CustomerInput): Record<string, string> {
  const form: Record<string, string> = {};
  for (const field of ['email', 'name', 'description', 'phone'] as const)
    if (input[field] !== undefined) form[field] = input[field];
  for (const [k, v] of Object.entries(input.metadata ?? {})) form[`metadata[${k}]`] = v;
  form[`metadata[${STRIPE_REF_METADATA}]`] = input.ref;
  return form;
}

const idFrom = (body: unknown): string | undefined => {
  const id = pickString(body, 'id');
  return id && pickString(body, 'object') === 'customer' ? id : undefined;
};

// An update is a POST too: the command's idempotency key makes it safe to retry; no read needed first.
const update = (input: CustomerInput, providerId: string) => ({
  method: 'POST',
  path: `/customers/${encodeURIComponent(providerId)}`,
  form: customerForm(input),
  operation: 'POST /v1/customers/{id}',
});

/**
 * Finds the customer a create made, by our id in its metadata, with the Search API
 * (docs.stripe.com/api/customers/search). Search lags writes by up to a minute (an hour in outages), so it is
 * only asked about creates sent a day ago, when the key may be gone; the oldest match wins.
 *
 * @example
 * await findCustomerByRef({ ref: 'user-1' }, call) // { ok: true, value: 'cus_...' } or { ok: true, value: undefined }
 */
export async function findCustomerByRef(input: { ref: string }, call: Call) {
  const quoted = input.ref.replace(/['\\]/g, '\\$&');
  const res = await call({
    path: '/customers/search',
    query: { query: `metadata['${STRIPE_REF_METADATA}']:'${quoted}'`, limit: '10' },
    operation: 'GET /v1/customers/search',
  });
  if (!res.ok) return res;
  const data = pick(res.value.body, 'data');
  const ours = (Array.isArray(data) ? data : []).filter(
    (c) => pickString(c, 'metadata', STRIPE_REF_METADATA) === input.ref && idFrom(c),
  );
  ours.sort((a, b) => Number(pick(a, 'created') ?? 0) - Number(pick(b, 'created') ?? 0));
  return { ok: true as const, value: ours[0] === undefined ? undefined : idFrom(ours[0]) };
}

/**
 * Stripe keeps an idempotency key at least 24 h; after that a reused key runs as a new request
 * (docs.stripe.com/api/idempotent_requests).
 */
const STRIPE_KEY_KEPT_MS = 24 * 3_600_000;

/**
 * Stripe writes: customers, made safe by idempotency keys. `createCustomer` sends `POST /v1/customers` with
 * the command's key (a retry after a lost response gets Stripe's replay, never a second customer) and,
 * when our id is already mapped, updates the customer instead; a create first sent 23 h ago or more is looked
 * up by our id (Search API) before the key is sent again. `updateCustomer` needs the mapping.
 */
export const stripeWrites: WritesSpec = {
  createCustomer: writeOperation({
    description: 'Create a customer (an update when this ref already has one)',
    input: createInput,
    entity: 'customer',
    mode: 'create',
    create: (input) => ({
      method: 'POST',
      path: '/customers',
      form: customerForm(input),
      operation: 'POST /v1/customers',
    }),
    idFrom,
    update,
    // A command redriven after Stripe may have dropped its key looks the customer up before creating.
    reconcile: { strategy: 'idempotency-key', keyKeptMs: STRIPE_KEY_KEPT_MS, find: findCustomerByRef },
    endpoints: ['POST /v1/customers', 'POST /v1/customers/{id}', 'GET /v1/customers/search'],
  }),
  updateCustomer: writeOperation({
    description: 'Update the customer mapped to this ref',
    input: updateInput,
    entity: 'customer',
    mode: 'update',
    update,
    reconcile: { strategy: 'idempotency-key' },
    endpoints: ['POST /v1/customers/{id}'],
  }),
};
