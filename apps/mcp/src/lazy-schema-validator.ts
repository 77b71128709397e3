import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';

/**
 * The SDK's JSON Schema validator (Ajv), made on first use instead of with the server. The
 * server only uses it to check answers to elicitation requests, which Claudine never sends, and
 * making Ajv compiles its formats: a cost every session's start would pay for nothing.
 */
export function lazySchemaValidator(): jsonSchemaValidator {
  let validator: AjvJsonSchemaValidator | undefined;
  return {
    getValidator: (schema) => {
      validator ??= new AjvJsonSchemaValidator();
      return validator.getValidator(schema);
    },
  };
}
