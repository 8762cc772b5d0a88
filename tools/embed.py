#!/usr/bin/python3
"""Embed a text file in a C source as a NUL-terminated string constant."""
import sys

name, src, dst = sys.argv[1:4]
data = open(src, 'rb').read()
with open(dst, 'w') as out:
    out.write('/* Generated from %s by tools/embed.py. */\n' % src.split('/')[-1])
    out.write('extern const char %s[];\n' % name)
    out.write('const char %s[] = {\n' % name)
    for i in range(0, len(data), 12):
        out.write('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 12]) + '\n')
    out.write('\t0x00\n};\n')
