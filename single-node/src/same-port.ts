/**
 * Two apps given one port, each named with the one before it that has it: the second would fail
 * to listen as if "another process" held it. 0 (any free port) may repeat. Shared by `npm start`
 * (three apps in one process) and `npm run cluster:local` (each app its own process).
 */
export function samePortProblems(ports: readonly (readonly [string, number])[]): string[] {
  return ports.flatMap(([name, port], index) => {
    const earlier = ports.slice(0, index).find(([, other]) => other === port && port !== 0);
    return earlier
      ? [`${name} (${port}) is also the port of ${earlier[0]}: each app needs one of its own`]
      : [];
  });
}
