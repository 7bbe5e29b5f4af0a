import { describe, expect, it } from 'vitest';
import { loadFiles, where } from '../support/playbooks.ts';
import { stepKinds, stepSchemas, step } from '../../src/playbook/schema/steps.ts';
import { eventNames } from '../../src/playbook/schema/triggers.ts';

const lint = (text: string) => loadFiles({ 'f.yaml': text }).diagnostics;

describe('validating a flow', () => {
  it('accepts a minimal flow and fills in defaults', () => {
    const result = loadFiles({ 'f.yaml': 'id: hello\ntrigger: { on: friend.added }\nsteps:\n  - say: 您好\n' });
    expect(result.diagnostics).toEqual([]);
    const flow = result.set.flows.get('hello')!;
    expect(flow.document).toMatchObject({ kind: 'flow', enabled: true, inFlightRuns: 'keep', trigger: { on: 'friend.added', accept: true } });
    expect(flow.subject).toBe('contact');
    expect(flow.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports an unknown key at the key, with a suggestion', () => {
    const d = lint('id: a\ntrigger: { on: friend.added }\nsteps:\n  - say: hi\n    when:\n      tagd: [x]\n');
    expect(where(d)).toEqual(['f.yaml:6:7 KOC_PLAYBOOK_UNKNOWN_KEY']);
    expect(d[0]!.message).toBe('unknown key "tagd" (did you mean "tagged"?)');
  });

  it('lists the allowed keys when nothing is close', () => {
    const d = lint('id: a\ntrigger: { on: friend.added }\nsteps: [{ say: hi }]\nzzz: 1\n');
    expect(d[0]!.message).toMatch(/^unknown key "zzz"; allowed here: kind, id, name/);
  });

  it('reports a missing required key at the map that lacks it', () => {
    expect(where(lint('id: a\nsteps: [{ say: hi }]\n'))).toEqual(['f.yaml:1:1 KOC_PLAYBOOK_MISSING_KEY']);
  });

  it('reports wrong types with what was found and how to fix it', () => {
    const d = lint('id: a\ntrigger: { on: friend.added }\nsteps:\n  - tag: 新客\n');
    expect(where(d)).toEqual(['f.yaml:4:10 KOC_PLAYBOOK_TYPE']);
    expect(d[0]!.message).toBe('expected a list, found text "新客"; write [新客]');
  });

  it('names the cron field that is wrong', () => {
    const d = lint('id: a\ntrigger: { cron: "0 25 * * *" }\nsteps: [{ moment: { text: hi } }]\n');
    expect(where(d)).toEqual(['f.yaml:2:18 KOC_CRON_INVALID']);
    expect(d[0]!.message).toContain('field 2 (hour) "25"');
    expect(lint('id: a\ntrigger: { cron: "0 20 * *" }\nsteps: [{ moment: { text: hi } }]\n')[0]!.message).toContain('has 4 fields');
  });

  it('rejects an unknown time zone with a suggestion', () => {
    const d = lint('id: a\ntrigger: { cron: "0 9 * * *", timeZone: Asia/Shanghia }\nsteps: [{ moment: { text: hi } }]\n');
    expect(where(d)).toEqual(['f.yaml:2:41 KOC_TIMEZONE_INVALID']);
    expect(d[0]!.message).toContain('did you mean "Asia/Shanghai"');
  });

  it('rejects impossible dates and bad durations', () => {
    const d = loadFiles({
      'c.yaml': 'kind: campaign\nid: c\nname: C\ncoupon: { title: t, value: v, validUntil: 2026-04-31 }\nattributionWindow: 3x\n',
    }).diagnostics;
    expect(where(d)).toEqual(['c.yaml:4:43 KOC_DATE_INVALID', 'c.yaml:5:20 KOC_DURATION_INVALID']);
    expect(d[0]!.message).toBe('"2026-04-31" does not exist: 2026-04 has 30 days');
  });

  it('knows which step was meant from its action key', () => {
    const d = lint('id: a\ntrigger: { on: friend.added }\nsteps:\n  - wiat: 1d\n  - wait: 1x\n    at: "25:00"\n  - say: hi\n    wait: 1d\n');
    expect(where(d)).toEqual([
      'f.yaml:4:5 KOC_PLAYBOOK_STEP_ACTION',
      'f.yaml:5:11 KOC_DURATION_INVALID',
      'f.yaml:6:9 KOC_TIME_INVALID',
      'f.yaml:8:5 KOC_PLAYBOOK_STEP_ACTION',
    ]);
    expect(d[0]!.message).toContain('did you mean "wait"');
    expect(d[3]!.message).toContain('has say and wait');
  });

  it('knows which trigger was meant from `on`', () => {
    const d = lint('id: a\ntrigger: { on: friend.add }\nsteps: [{ say: hi }]\n');
    expect(where(d)).toEqual(['f.yaml:2:16 KOC_PLAYBOOK_TRIGGER']);
    expect(d[0]!.message).toContain('did you mean "friend.added"');
    const tag = lint('id: a\ntrigger: { on: tag.added, tga: VIP }\nsteps: [{ say: hi }]\n');
    expect(where(tag)).toEqual(['f.yaml:2:10 KOC_PLAYBOOK_MISSING_KEY', 'f.yaml:2:27 KOC_PLAYBOOK_UNKNOWN_KEY']);
  });

  it('rejects bad ids and unknown kinds', () => {
    expect(where(lint('id: Bad_Id\ntrigger: { on: friend.added }\nsteps: [{ say: hi }]\n'))).toEqual(['f.yaml:1:5 KOC_PLAYBOOK_ID_INVALID']);
    const d = lint('kind: campain\nid: a\n');
    expect(where(d)).toEqual(['f.yaml:1:7 KOC_PLAYBOOK_UNKNOWN_KIND']);
    expect(d[0]!.message).toContain('did you mean "campaign"');
  });

  it('rejects files that are empty or not a map', () => {
    expect(where(lint(''))).toEqual(['f.yaml:1:1 KOC_PLAYBOOK_EMPTY']);
    expect(where(lint('- a\n- b\n'))).toEqual(['f.yaml:1:1 KOC_PLAYBOOK_TYPE']);
  });

  it('keeps the step union in the order the dispatcher assumes', () => {
    // validate.ts picks a union branch by the index of the action key in stepKinds.
    expect(step.options).toEqual(stepKinds.map((k) => stepSchemas[k]));
    expect(eventNames).toContain('friend.added');
  });
});
