import { addressInRanges, normalizeCidr } from '../../src/common/cidr';
import { generateServiceToken, isWellFormedServiceToken } from '../../src/service-tokens/token-format';

describe('normalizeCidr', () => {
  it('canonicalizes IPv4 and IPv6 ranges and single addresses', () => {
    expect(normalizeCidr('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(normalizeCidr('192.168.1.7')).toBe('192.168.1.7/32');
    expect(normalizeCidr('2001:db8::1/32')).toBe('2001:db8::/32');
    expect(normalizeCidr('::1')).toBe('::1/128');
    expect(normalizeCidr('::ffff:10.0.0.0/104')).toBe('10.0.0.0/8');
  });

  it('refuses what is not a range', () => {
    for (const bad of ['', '10.0.0.0/33', '10.0.0', 'example.com', '2001:db8::/129', '1.2.3.4/-1', "1.2.3.4' OR 1=1"]) {
      expect(normalizeCidr(bad)).toBeNull();
    }
  });
});

describe('addressInRanges', () => {
  it('matches inside and at the edges, not outside', () => {
    const ranges = ['10.0.0.0/24'];
    expect(addressInRanges('10.0.0.0', ranges)).toBe(true);
    expect(addressInRanges('10.0.0.255', ranges)).toBe(true);
    expect(addressInRanges('10.0.1.0', ranges)).toBe(false);
    expect(addressInRanges('9.255.255.255', ranges)).toBe(false);
  });

  it('matches IPv4-mapped IPv6 against IPv4 ranges, and IPv6 against IPv6 ranges', () => {
    expect(addressInRanges('::ffff:10.0.0.7', ['10.0.0.0/24'])).toBe(true);
    expect(addressInRanges('2001:db8::5', ['2001:db8::/64'])).toBe(true);
    expect(addressInRanges('2001:db8:0:1::5', ['2001:db8::/64'])).toBe(false);
    expect(addressInRanges('10.0.0.7', ['::/0'])).toBe(false);
    expect(addressInRanges('not-an-ip', ['0.0.0.0/0'])).toBe(false);
  });
});

describe('service token format', () => {
  it('generates prefixed tokens whose checksum verifies', () => {
    const token = generateServiceToken();
    expect(token).toMatch(/^kst_[A-Za-z0-9]{46}$/);
    expect(isWellFormedServiceToken(token)).toBe(true);
  });

  it('refuses a changed character, a wrong length or a wrong prefix', () => {
    const token = generateServiceToken();
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    expect(isWellFormedServiceToken(flipped)).toBe(false);
    expect(isWellFormedServiceToken(token.slice(0, -1))).toBe(false);
    expect(isWellFormedServiceToken(`kst-${token.slice(4)}`)).toBe(false);
  });
});
