// Uploads through the npm package imgbb-uploader in its Chevereto mode, as its users would, against a Tesela site.
//
//   node upload.mjs HOST KEY IMAGE [IMAGE2]
//   (or TESELA_HOST, TESELA_API_KEY, TESELA_IMAGE, TESELA_IMAGE2 in the environment)
//
// HOST is what the package calls cheveretoHost, e.g. http://127.0.0.1:8080 (no trailing slash, no path: the package
// always posts to /api/1/upload and reads a ":port" suffix itself). IMAGE is sent as options.imagePath, IMAGE2
// (default: IMAGE) read here and sent as options.base64string. Prints {"imagePath": ..., "base64string": ...} with
// the two resolved responses as JSON on stdout; on a rejection prints the package's error to stderr and exits 1.
import { readFile } from "node:fs/promises";
import imgbbUploader from "imgbb-uploader";

const [host, apiKey, image, image2] = [
  process.argv[2] ?? process.env.TESELA_HOST,
  process.argv[3] ?? process.env.TESELA_API_KEY,
  process.argv[4] ?? process.env.TESELA_IMAGE,
  process.argv[5] ?? process.env.TESELA_IMAGE2,
];
if (!host || !apiKey || !image) {
  console.error("usage: node upload.mjs HOST KEY IMAGE [IMAGE2]  (or TESELA_HOST, TESELA_API_KEY, TESELA_IMAGE, TESELA_IMAGE2)");
  process.exit(2);
}

try {
  const byPath = await imgbbUploader({
    apiKey,
    imagePath: image,
    cheveretoHost: host,
    customPayload: { title: "imgbb-uploader imagePath" },
  });
  const base64string = (await readFile(image2 ?? image)).toString("base64");
  const byBase64 = await imgbbUploader({
    apiKey,
    base64string,
    cheveretoHost: host,
    customPayload: { title: "imgbb-uploader base64string" },
  });
  process.stdout.write(JSON.stringify({ imagePath: byPath, base64string: byBase64 }) + "\n");
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
