import { SignatureV4 } from '@smithy/signature-v4';
export const x = SignatureV4;
