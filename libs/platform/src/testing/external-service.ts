/**
 * Contract suites for adapters whose engine cannot run here (MongoDB, Kafka, Consul) run
 * only when their URL is set. This returns the value, or prints one line saying why the
 * suite is skipped and returns undefined (use with `describe.skipIf(!value)`).
 */
export function externalService(
  variable: 'MONGO_URL' | 'KAFKA_BROKERS' | 'CONSUL_URL',
  suite: string,
): string | undefined {
  const value = process.env[variable];
  if (!value) {
    console.log(
      `[skip] ${suite}: ${variable} is not set (start one with docker compose up and set it to run this suite)`,
    );
  }
  return value || undefined;
}
