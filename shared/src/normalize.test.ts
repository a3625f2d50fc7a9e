import { describe, expect, it } from 'vitest';
import { normalizeName, normalizePublisher, normalizePublisherName, splitPublisher } from './normalize.ts';

describe('normalizeName', () => {
  it.each([
    ['Mozilla Firefox (x64 fr)', 'mozilla firefox'],
    ['Mozilla Firefox 128.5.1 ESR (x64 fr)', 'mozilla firefox esr'],
    ['7-Zip 23.01 (x64)', '7 zip'],
    ['Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135', 'microsoft visual c++ 2015 2022 redistributable'],
    ['Adobe Acrobat Reader DC - Français', 'adobe acrobat reader dc francais'],
    ['Microsoft 365 Apps for enterprise - fr-fr', 'microsoft 365 apps for enterprise'],
    ['Zoom Workplace (64-bit)', 'zoom workplace'],
    ['Windows 11 Pro', 'windows 11 pro'],
    ['LibreOffice 24.8.4.2', 'libreoffice'],
    ['Notepad++ (64-bit x64)', 'notepad++'],
    ['Intel(R) Core(TM) i5-1245U', 'intel core i5 1245u'],
    ['Core™ i7', 'core i7'],
    ['  VLC   media\tplayer ', 'vlc media player'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeName(input)).toBe(expected);
  });
});

describe('normalizePublisher', () => {
  it.each([
    ['Microsoft Corporation', 'microsoft'],
    ['Google LLC', 'google'],
    ['SAP SE', 'sap'],
    ['Dassault Systèmes S.A.', 'dassault systemes'],
    ['Berger-Levrault S.A.S.', 'berger levrault'],
    ['Avast Software s.r.o.', 'avast software'],
    ['Veeam Software Group GmbH', 'veeam software group'],
    ['Zoom Video Communications, Inc.', 'zoom video communications'],
    ['Opera Norway AS', 'opera norway'],
    ['Inc.', 'inc'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizePublisher(input)).toBe(expected);
  });

  it('keeps the domain of a maintainer address as trailing words, apart from the name', () => {
    expect(splitPublisher('Debian Python Team <@lists.debian.org>')).toEqual({ name: 'Debian Python Team', domain: 'lists.debian.org' });
    expect(normalizePublisher('Debian Python Team <@lists.debian.org>')).toBe('debian python team lists debian org');
    expect(normalizePublisherName('Microsoft Corporation <@microsoft.com>')).toBe('microsoft');
    expect(normalizePublisher('Google Cloud CLI Authors <https://code.google.com/p/google-cloud-sdk/>')).toBe('google cloud cli authors code google com');
  });
});
