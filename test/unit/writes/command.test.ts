import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandFromMessage, inputHash, parseCommand } from '../../../lambdas/core/writes/command';
import { resolveCommand, rejectReason } from '../../../lambdas/core/writes/resolve';
import { getProvider } from '../../../lambdas/providers';
import { thrownKind } from '../../helpers/webhook-event';

const valid = {
  commandId: 'order-42:create',
  provider: 'trello',
  operation: 'createCard',
  input: { ref: 'T-1', idList: '5f3c0a1b2c3d4e5f60718294', name: 'Hi' },
};

const reasonOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'none';
  } catch (err) {
    return `${rejectReason(err)}: ${(err as Error).message}`;
  }
};

describe('the command contract', () => {
  it('accepts { commandId, provider, operation, input, correlationId? }', () => {
    expect(parseCommand({ ...valid, correlationId: 'trace-1' })).toEqual({ ...valid, correlationId: 'trace-1' });
  });

  it.each([
    ['no command id', { ...valid, commandId: undefined }, 'invalid command: commandId invalid_type (expected string)'],
    ['a command id with spaces', { ...valid, commandId: 'a b' }, 'invalid command: commandId invalid_format'],
    [
      'a command id over 128 characters',
      { ...valid, commandId: 'x'.repeat(129) },
      'invalid command: commandId invalid_format',
    ],
    ['no input', { ...valid, input: undefined }, 'invalid command: input missing'],
    ['an upper-case provider', { ...valid, provider: 'Trello' }, 'invalid command: provider invalid_format'],
  ])('rejects an envelope with %s as invalid_payload', (_name, value, reason) => {
    expect(thrownKind(() => parseCommand(value))).toBe('invalid_payload');
    expect(reasonOf(() => parseCommand(value))).toBe(`invalid_command: ${reason}`);
  });

  it('rejects a queued body that is not JSON', () => {
    expect(reasonOf(() => commandFromMessage('{'))).toBe('invalid_command: command message is not JSON');
  });

  it('resolves the operation and validates its input, with a reason for each refusal', () => {
    expect(resolveCommand(parseCommand(valid), getProvider).operation.entity).toBe('card');
    expect(reasonOf(() => resolveCommand({ ...valid, provider: 'github' }, getProvider))).toBe(
      'unknown_provider: unknown provider github (no writes)',
    );
    expect(reasonOf(() => resolveCommand({ ...valid, operation: 'toString' }, getProvider))).toBe(
      'unknown_operation: unknown operation toString for trello',
    );
    expect(reasonOf(() => resolveCommand({ ...valid, input: { ...valid.input, name: 42 } }, getProvider))).toBe(
      'invalid_input: invalid input for trello createCard: input.name invalid_type (expected string)',
    );
  });

  it('never puts an input value in a rejection', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8 }).filter((s) => /^[a-z]+$/.test(s)),
        (secret) => {
          const message = reasonOf(() =>
            resolveCommand(
              {
                ...valid,
                operation: 'createCard',
                input: { ref: 'T-1', idList: secret, name: secret, [secret]: secret },
              },
              getProvider,
            ),
          );
          return (
            !message.includes(`: ${secret}`) && !message.includes(`=${secret}`) && message.split(secret).length <= 2
          );
        },
      ),
    );
  });
});

describe('inputHash: what binds a command id to its input', () => {
  it('ignores key order and undefined fields', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (input) => {
        const reversed = Object.fromEntries(Object.entries(input).reverse());
        return (
          inputHash({ provider: 'trello', operation: 'op', input }) ===
          inputHash({ provider: 'trello', operation: 'op', input: { ...reversed, extra: undefined } })
        );
      }),
    );
  });

  it('differs when the provider, the operation or any value differs', () => {
    const card = (input: Record<string, unknown>, operation = 'createCard', provider = 'trello') =>
      inputHash({ provider, operation, input });
    const base = card({ ref: 'T-1', name: 'a' });
    expect(card({ ref: 'T-1', name: 'a' }, 'createCard', 'other')).not.toBe(base);
    expect(card({ ref: 'T-1', name: 'a' }, 'updateCard')).not.toBe(base);
    expect(card({ ref: 'T-1', name: 'b' })).not.toBe(base);
    expect(card({ ref: 'T-1', name: 'a', due: null })).not.toBe(base);
  });
});
