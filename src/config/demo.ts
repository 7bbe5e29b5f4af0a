import { linkConfig } from './link.ts';
import { kocflowConfigSchema, type KocflowConfig, type KocflowConfigInput } from './schema.ts';

/**
 * The configuration `kocflow start` runs when there is no kocflow.yaml: a brand with two stores, a guide bot in
 * each, and an employee ambassador's bot, all on the mock puppet, so a fresh clone shows the product working
 * without a WeCom account. The kocflow.yaml at the repository root is the same setup written as a file (with
 * `puppet: auto`, so setting a token moves an account onto puppet-service); a test keeps the two in step.
 */
export const DEMO_CONFIG: KocflowConfigInput = {
  stores: [
    { id: 'sh-001', name: '上海南京西路店' },
    { id: 'bj-001', name: '北京三里屯店' },
  ],
  staff: [
    { id: 'WangMin', name: '王敏', role: 'guide', store: 'sh-001', tier: '潜力' },
    { id: 'LiLei', name: '李磊', role: 'guide', store: 'bj-001', tier: '普通' },
    {
      id: 'ZhaoXue', name: '赵雪', role: 'ambassador', store: 'sh-001', tier: '核心',
      landing: { text: '我是赵雪，车友会的老朋友们都认识我，欢迎来店里试驾！', qr: 'demo/koc-zhao-qr.png' },
    },
    { id: 'ChenJing', name: '陈静', role: 'ops' },
  ],
  accounts: [
    { id: 'guide-wang', name: '导购小王', role: 'guide', store: 'sh-001', puppet: 'mock', owner: 'WangMin', commanders: ['ChenJing'] },
    { id: 'guide-li', name: '导购小李', role: 'guide', store: 'bj-001', puppet: 'mock', owner: 'LiLei', commanders: ['ChenJing'] },
    { id: 'koc-zhao', name: '推荐官小赵', role: 'ambassador', store: 'sh-001', puppet: 'mock', owner: 'ZhaoXue', commanders: ['ChenJing'] },
  ],
};

/** A fresh copy of the demo configuration, defaults applied. */
export function demoConfig(): KocflowConfig {
  const config = kocflowConfigSchema.parse(structuredClone(DEMO_CONFIG));
  const problems: string[] = [];
  linkConfig(config, (path, code, message, severity = 'error') => {
    if (severity === 'error') problems.push(`${path.join('.')}: ${code} ${message}`);
  });
  if (problems.length > 0) throw new Error(`the built-in demo configuration is invalid: ${problems.join('; ')}`);
  return config;
}
