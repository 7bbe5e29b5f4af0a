/** The chaos storm's playbook: one flow, `steps` says to every new friend, each step's text unique (s001 …). */
export const CHAOS_ACCOUNT = 'chaos-guide';
export const CHAOS_FLOW = 'chaos-storm';

export function chaosFlow(steps: number): string {
  const lines = [`id: ${CHAOS_FLOW}`, 'trigger: { on: friend.added }', 'steps:'];
  for (let i = 1; i <= steps; i++) lines.push(`  - say: "s${String(i).padStart(3, '0')} {{contact.name}}"`);
  return lines.join('\n') + '\n';
}

