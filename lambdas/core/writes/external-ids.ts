/** One entity of ours at one provider. */
export interface EntityKey {
  provider: string;
  entity: string;
  /** Our id. */
  ref: string;
}

/**
 * The external-id mapping: our id to the provider's id per entity. While a create runs the item is
 * `creating`, owned by one command; `unconfirmed` counts create requests sent whose outcome is unknown.
 */
export interface ExternalId extends EntityKey {
  state: 'creating' | 'mapped';
  providerId?: string;
  /** The command that holds a `creating` item. */
  owner?: string;
  unconfirmed: number;
  /** The command that created (or reconciled) the mapping. */
  commandId?: string;
  /**
   * When the entity was first claimed for a create, right before its first create request (never later): how old an
   * idempotency key is.
   */
  firstSentAt?: string;
  updatedAt: string;
}

/**
 * What claiming an entity for a create found: ours to create (since `firstSentAt`; none when an older claim
 * of ours never recorded it, an age unknown), already mapped, or being created by another command.
 */
export type Claim =
  | { kind: 'claimed'; unconfirmed: number; firstSentAt?: string }
  | { kind: 'mapped'; providerId: string }
  | { kind: 'busy'; owner: string };

/** The mapping table; the DynamoDB adapter makes every step a conditional write. */
export interface ExternalIdStore {
  get(key: EntityKey): Promise<ExternalId | undefined>;
  /**
   * Takes the entity for a create by this command (again, after a redelivery), unless it is mapped or another command
   * holds it.
   */
  claim(key: EntityKey, commandId: string, at: Date): Promise<Claim>;
  /** +1 before a create request goes out, -1 once the provider answered that it created nothing. */
  countSent(key: EntityKey, commandId: string, delta: 1 | -1): Promise<void>;
  /** Records the provider's id; the entity is mapped from now on. */
  map(key: EntityKey, providerId: string, commandId: string, at: Date): Promise<void>;
  /** Gives up a claim after the provider refused the create: nothing was created. */
  release(key: EntityKey, commandId: string): Promise<void>;
}

export const entityKey = (k: EntityKey): string => `${k.provider}#${k.entity}#${k.ref}`;
