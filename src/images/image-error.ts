import { NetlabError, type NetlabErrorOptions } from '../model/netlab-error.js';

/**
 * Any failure to build, find or reuse an image: the one error of src/images. The message
 * names the image and the step that failed ("building netlab/node:ab12: ...").
 */
export class ImageError extends NetlabError {
  constructor(message: string, opts: NetlabErrorOptions = {}) {
    super(message, opts);
  }
}
