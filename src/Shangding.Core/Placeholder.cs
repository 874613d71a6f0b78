namespace Shangding.Core;
