#!/usr/bin/python3
# man/zh-breaks.py FILE...: the Chinese man pages' line breaks. groff 1.22
# cannot break a line of Chinese (no spaces), so after editing a page in
# man/zh_CN run this on it: it puts a \: (a break point that prints
# nothing) after full-width punctuation and inside long runs of characters,
# and makes the page left-adjusted without hyphenation (.ad l, .nh).
# tests/e2e-install.py renders every page with warnings as errors.
import sys,re
# After each full-width punctuation mark (and between CJK characters every
# so often) a \: lets groff break a Chinese line there.
P='，。；：、）（“”'
for p in sys.argv[1:]:
    out=[]
    for line in open(p,encoding='utf-8').read().split('\n'):
        if line.startswith(('.TH', '.SH', '.SS', '.\\"')):  # headings and comments as they are
            out.append(line); continue
        line=line.replace('\\:','')
        s=''
        run=0
        for i,ch in enumerate(line):
            s+=ch
            cjk = '\u4e00'<=ch<='\u9fff' or ch in P
            run = run+1 if cjk else 0
            nxt = line[i+1] if i+1<len(line) else ''
            if ch in P and ch not in '（“' and nxt and nxt not in P:
                s+='\\:'; run=0
            elif run>=8 and nxt and ('\u4e00'<=nxt<='\u9fff'):
                s+='\\:'; run=0
        out.append(s)
    t='\n'.join(out)
    if '.ad l' not in t:
        t=re.sub(r'(\.TH [^\n]*\n)', r'\1.\\" Chinese: \\: after full-width punctuation and within long runs lets groff break lines; left-adjusted.\n.ad l\n', t, 1)
    open(p,'w',encoding='utf-8').write(t)
