import { ConfigError, EngineError, messageOf } from '../errors.js';

/** Runs an AWS call, wrapping its failure once, with the call named. */
export async function awsCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof EngineError || error instanceof ConfigError) throw error;
    const name = (error as { name?: string }).name ?? 'Error';
    const message = messageOf(error);
    const credentials =
      /credential|Could not load credentials|ExpiredToken|InvalidClientTokenId|UnrecognizedClient/i.test(
        `${name} ${message}`,
      );
    throw new EngineError(`${what} failed: ${name}: ${message}`, {
      suggestions: credentials
        ? ['Check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO login) and AWS_REGION']
        : ['Run `iamtrail permissions` for the IAM policy iamtrail needs'],
      cause: error,
    });
  }
}
