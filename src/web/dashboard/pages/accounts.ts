import type { BotStatus } from '../../../bot/accountBot.ts';
import type { PrismaClient } from '../../../store/generated/client.ts';
import { html, table, when, type Html } from '../html.ts';

const STATE_LABEL: Record<string, string> = {
  starting: '启动中 starting', waiting_for_scan: '等待扫码 waiting for a scan', logged_in: '在线 logged in',
  reconnecting: '重连中 reconnecting', failed: '失败 failed', stopped: '已停止 stopped',
};

/** Every account with its bot's live status; the login QR code of one waiting for a scan. */
export async function accountsPage(prisma: PrismaClient, statuses: Map<string, BotStatus>, now: Date): Promise<Html> {
  const accounts = await prisma.account.findMany({ orderBy: { id: 'asc' }, include: { store: { select: { name: true } } } });
  const rows = accounts.map((a) => {
    const status = statuses.get(a.id);
    const state = status?.state ?? 'not running';
    return html`<tr data-account="${a.id}"><td><code>${a.id}</code></td><td>${a.displayName}</td><td>${a.role}</td><td>${a.store?.name ?? '—'}</td>
<td><span class="state state-${state}">${STATE_LABEL[state] ?? state}</span>${status?.self ? html`<br><small>as ${status.self.name}</small>` : ''}${status?.reason ? html`<br><small>${status.reason}</small>` : ''}${status?.nextAttemptAt ? html`<br><small>next attempt ${when(status.nextAttemptAt, a.timeZone)}</small>` : ''}
${status?.state === 'waiting_for_scan' && status.qr ? html`<br><img class="qr" src="/accounts/${encodeURIComponent(a.id)}/qr.svg" alt="login QR code for ${a.id}" width="200" height="200">` : ''}</td>
<td>${a.status === 'paused' ? '暂停 paused' : '—'}${a.backoffUntil && a.backoffUntil > now ? html`<br><small>backing off until ${when(a.backoffUntil, a.timeZone)}: ${a.backoffReason ?? ''}</small>` : ''}</td>
<td>${when(a.lastSeenAt, a.timeZone)}</td></tr>`;
  });
  return html`<p>Live status of each account's bot. An account waiting for a scan shows its login QR code: scan it with the account's WeCom app.</p>
${table(['id', 'name', 'role', 'store', 'bot', 'sending', 'last seen'], rows, 'No accounts yet: add them to kocflow.yaml and restart.')}`;
}
