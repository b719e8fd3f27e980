// n8n loads the node and credential through the paths in package.json's "n8n" section;
// this entry point only exists so that require('n8n-nodes-kling') works.
module.exports = {};
