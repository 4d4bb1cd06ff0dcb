"""The XSS corpus: strings that run script, load something or change the page if any place that
shows stored text treats it as markup, a URL, a template or a formula.

Each payload carries its own number N: one that runs script calls `__xss(N)` (a binding the test
exposes), `alert(N)`/`confirm(N)`/`prompt(N)` (a dialog), or asks for `/xss-N…` (a request the
test watches), so a failure names the payload that fired. Template expressions compute
`TEMPLATE_FACTOR * N`, a number that appears on the page only if the text was evaluated; formula
payloads start with a character a spreadsheet would run.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass

TEMPLATE_FACTOR = 9091
MARKER_URL = re.compile(r"/xss-(\d+)")
# What a stored value holding a payload contains, escaped or not.
SIGNATURE = re.compile(r"xss|9091|cmd\|")


@dataclass(frozen=True)
class Payload:
    number: int
    kind: str
    text: str

    def fits(self, length: int) -> bool:
        return len(self.text) <= length

    @property
    def is_markdown_only(self) -> bool:
        """Read as an attack only by Markdown (it is plain text anywhere else)."""
        return self.kind == "markdown"

    @property
    def evaluated(self) -> str | None:
        """What a template engine would print for it: never on any page."""
        return str(TEMPLATE_FACTOR * self.number) if self.kind == "template" else None


def _b64_html(number: int) -> str:
    return base64.b64encode(f"<script>parent.__xss({number})</script>".encode()).decode()


# (kind, text with § for the payload's number); the order is the numbering, from 1.
_TEMPLATES: list[tuple[str, str]] = [
    # Event handlers.
    ("handler", "<img src=x onerror=__xss(§)>"),
    ("handler", "<img src=x onerror=alert(§)>"),
    ("handler", "<svg onload=__xss(§)>"),
    ("handler", "<body onload=confirm(§)>"),
    ("handler", "<input autofocus onfocus=__xss(§)>"),
    ("handler", "<select autofocus onfocus=prompt(§)></select>"),
    ("handler", "<textarea autofocus onfocus=__xss(§)></textarea>"),
    ("handler", "<details open ontoggle=__xss(§)>x</details>"),
    ("handler", "<video><source onerror=__xss(§)></video>"),
    ("handler", "<audio src=x onerror=__xss(§)>"),
    ("handler", "<marquee onstart=__xss(§)>x</marquee>"),
    ("handler", "<div onpointerover=__xss(§) style=position:fixed;inset:0>x</div>"),
    ("handler", '<p title="x" onclick="__xss(§)">x</p>'),
    # Script elements, frames, objects.
    ("script", "<script>__xss(§)</script>"),
    ("script", "<ScRiPt>__xss(§)</sCrIpT>"),
    ("script", "<script src=/xss-§.js></script>"),
    ("script", "<scr<script>ipt>__xss(§)</scr</script>ipt>"),
    ("script", '<iframe src="javascript:parent.__xss(§)"></iframe>'),
    ("script", "<iframe srcdoc=\"<script>parent.__xss(§)</script>\"></iframe>"),
    ("script", '<object data="javascript:parent.__xss(§)"></object>'),
    ("script", '<embed src="/xss-§.swf">'),
    # javascript:, data: and vbscript: URLs, with entities, tabs and mixed case.
    ("url", '<a href="javascript:__xss(§)">x</a>'),
    ("url", '<a href="JaVaScRiPt:__xss(§)">x</a>'),
    ("url", '<a href="jav&#x09;ascript:__xss(§)">x</a>'),
    ("url", '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;__xss(§)">x</a>'),
    ("url", '<a href="java\tscript:__xss(§)">x</a>'),
    ("url", '<a href=" javascript:__xss(§)">x</a>'),
    ("url", '<a href="data:text/html,<script>__xss(§)</script>">x</a>'),
    ("url", '<a href="data:text/html;base64,B64">x</a>'),
    ("url", '<a href="vbscript:msgbox(§)">x</a>'),
    ("url", '<form action="javascript:__xss(§)"><button>x</button></form>'),
    ("url", '<button form=x formaction="javascript:__xss(§)">x</button>'),
    ("url", '<math><a xlink:href="javascript:__xss(§)">x</a></math>'),
    ("url", '<base href="javascript:__xss(§)//">'),
    ("url", '<meta http-equiv="refresh" content="0;url=/xss-§">'),
    ("url", "<link rel=stylesheet href=/xss-§.css>"),
    ("url", "<style>@import '/xss-§.css';</style>"),
    ("url", '<div style="background:url(/xss-§.png)">x</div>'),
    # SVG.
    ("svg", "<svg><script>__xss(§)</script></svg>"),
    ("svg", "<svg><animate onbegin=__xss(§) attributeName=x dur=1s>"),
    ("svg", "<svg><a><animate attributeName=href values=javascript:__xss(§) /><text y=9>x</text></a></svg>"),
    ("svg", '<svg><a><set attributeName="href" to="javascript:__xss(§)"/><text y=9>x</text></a></svg>'),
    ("svg", "<svg><foreignObject><iframe srcdoc=\"<script>parent.__xss(§)</script>\"></iframe></foreignObject></svg>"),
    ("svg", ('<svg><use href="data:image/svg+xml,<svg id=\'x\' xmlns=\'http://www.w3.org/2000/svg\'><image href=\'1\' '
             'onerror=\'__xss(§)\'/></svg>#x"/></svg>')),
    # Malformed and unclosed tags, comments and entity tricks.
    ("malformed", "<img src=x:x onerror=__xss(§)//"),
    ("malformed", '<img """><script>__xss(§)</script>">'),
    ("malformed", '<!--<img src="--><img src=x onerror=__xss(§)//">'),
    ("malformed", '<noscript><p title="</noscript><img src=x onerror=__xss(§)>">'),
    ("malformed", "<![CDATA[<script>__xss(§)</script>]]>"),
    ("malformed", "&lt;script&gt;__xss(§)&lt;/script&gt;"),
    ("malformed", "&#60;img src=x onerror=__xss(§)&#62;"),
    ("malformed", "<<script>script>__xss(§)<</script>/script>"),
    ("malformed", "<img/src=x/onerror=__xss(§)>"),
    # Breaking out of the element or the attribute the text is put in.
    ("breakout", "</textarea><script>__xss(§)</script>"),
    ("breakout", "</title><script>__xss(§)</script>"),
    ("breakout", "</script><script>__xss(§)</script>"),
    ("breakout", "</style><script>__xss(§)</script>"),
    ("breakout", '"><script>__xss(§)</script>'),
    ("breakout", '" autofocus onfocus="__xss(§)" x="'),
    ("breakout", "' autofocus onfocus='__xss(§)' x='"),
    ("breakout", '"><img src=x onerror=__xss(§)>'),
    ("breakout", "--><script>__xss(§)</script><!--"),
    ("breakout", "';__xss(§);//\";__xss(§);//"),
    # Markdown: links, images, references, autolinks, raw HTML and attribute syntax.
    ("markdown", "[tap](javascript:__xss(§))"),
    ("markdown", "[tap](JAVASCRIPT:__xss(§))"),
    ("markdown", "[tap](&#106;avascript:__xss(§))"),
    ("markdown", "[tap](data:text/html;base64,B64)"),
    ("markdown", "[tap](vbscript:msgbox(§))"),
    ("markdown", "[tap](https://example.org \"t\" onmouseover=\"__xss(§)\")"),
    ("markdown", "![x](javascript:__xss(§))"),
    ("markdown", "![x\" onerror=\"__xss(§)](media/x.png)"),
    ("markdown", "[tap][r§]\n\n[r§]: javascript:__xss(§)"),
    ("markdown", "<javascript:__xss(§)>"),
    ("markdown", "Text {: onclick=\"__xss(§)\" }"),
    ("markdown", "[tap](https://example.org){: onmouseover=\"__xss(§)\" }"),
    ("markdown", "```\n</code></pre><script>__xss(§)</script>\n```"),
    # Template expressions: the number TEMPLATE_FACTOR * § shows only if evaluated.
    ("template", "{{ 9091 * § }}"),
    ("template", "{% print(9091 * §) %}"),
    ("template", "${9091 * §}"),
    ("template", "#{9091 * §}<%= 9091 * § %>"),
    # Formulas for spreadsheet exports.
    ("formula", '=HYPERLINK("https://evil.example/xss-§","x")'),
    ("formula", "+§+cmd|' /C calc'!A0"),
    ("formula", "-§+cmd|' /C calc'!A0"),
    ("formula", "@SUM(§+1)*cmd|' /C calc'!A0"),
    # Added later (numbers above stay as they are).
    ("url", '<img src="/xss-§.png" alt="x">'),
    ("url", '<a href="java\nscript:__xss(§)">x</a>'),
    ("svg", "<svg><image href=x onerror=__xss(§) /></svg>"),
    ("markdown", "[tap](<javascript:__xss(§)>)"),
]


def _build() -> list[Payload]:
    payloads = []
    for number, (kind, template) in enumerate(_TEMPLATES, start=1):
        text = template.replace("B64", _b64_html(number))
        text = text.replace("§", str(number))
        payloads.append(Payload(number, kind, text))
    return payloads


PAYLOADS: list[Payload] = _build()


def fitting(length: int) -> list[Payload]:
    """The payloads a field of this many characters takes whole (a cut payload is another one)."""
    return [payload for payload in PAYLOADS if payload.fits(length)]
