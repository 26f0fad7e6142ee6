import { createHash } from 'node:crypto';

/**
 * The dashboard's only script: reloads an active release's page every 10 s, but never while a
 * person is typing a reason, so a refresh cannot throw their words away.
 */
export const REFRESH_SCRIPT = `setInterval(function(){var f=document.querySelectorAll('textarea,input[type=text]');for(var i=0;i<f.length;i++){if(f[i]===document.activeElement||f[i].value)return;}location.reload();},10000);`;

export const REFRESH_SCRIPT_HASH = `sha256-${createHash('sha256').update(REFRESH_SCRIPT).digest('base64')}`;
