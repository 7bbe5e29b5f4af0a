import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { loadPlaybookFolder } from '../../src/playbook/load.ts';
import { formatDiagnostic } from '../../src/playbook/diagnostics.ts';
import { eventNames } from '../../src/playbook/schema/triggers.ts';
import { stepKinds } from '../../src/playbook/schema/steps.ts';

const samples = resolve(import.meta.dirname, '../../sop-playbooks');

describe('the sample playbooks in sop-playbooks/', () => {
  const result = loadPlaybookFolder(samples);

  it('lint clean, with no warnings', () => {
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
  });

  it('use every trigger and every step kind (the demo runs them)', () => {
    const flows = [...result.set.flows.values()].map((f) => f.document);
    const triggers = new Set(flows.map((f) => ('cron' in f.trigger ? 'cron' : f.trigger.on)));
    expect([...triggers].sort()).toEqual(['cron', ...eventNames].sort());
    const steps = new Set(flows.flatMap((f) => f.steps.map((s) => stepKinds.find((k) => k in s)!)));
    expect([...steps].sort()).toEqual([...stepKinds].sort());
    const subjects = new Set([...result.set.flows.values()].map((f) => f.subject));
    expect([...subjects].sort()).toEqual(['account', 'contact', 'room', 'staff']);
  });

  it('define campaigns, tiers, a task and a content library', () => {
    expect(result.set.campaigns.size).toBeGreaterThanOrEqual(2);
    expect(result.set.tiers?.document.tiers.map((t) => t.name)).toEqual(['普通', '潜力', '核心']);
    expect(result.set.tasks.has('spring-post')).toBe(true);
    expect(result.set.templates.get('moments-spring')).toHaveLength(3);
    expect(result.set.assets.size).toBe(3);
  });
});
