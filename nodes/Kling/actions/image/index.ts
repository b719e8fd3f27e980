import { resourceDescription } from '../operations';
import type { Resource } from '../operations';
import * as expand from './expand.operation';
import * as generate from './generate.operation';
import * as getTask from './getTask.operation';
import * as listTasks from './listTasks.operation';
import * as multiImage from './multiImage.operation';
import * as multiShot from './multiShot.operation';
import * as omniImage from './omniImage.operation';
import * as recognize from './recognize.operation';
import * as tryOn from './tryOn.operation';

/** The Image resource: every operation is listed here once, and the router finds it here. */
export const image: Resource = {
	operations: { generate, omniImage, multiImage, multiShot, expand, tryOn, recognize, getTask, listTasks },
	defaultOperation: 'generate',
};

export const description = resourceDescription('image', image);
